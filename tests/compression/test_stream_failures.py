"""A damaged stream, another model or another condition raise a `ValueError`
naming what is wrong; never wrong images. Bad inputs to `compress` too."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from harness import perturb_weights
from model_zoo import make_distribution

from pixeldist.compression import compress, decompress
from pixeldist.compression.stream_header import HEADER_SIZE

SHAPE = (3, 3, 1)


def _model(conditional=False, seed=7, **kwargs):
    dist = make_distribution("pixelcnn", "categorical", SHAPE, 7, conditional, **kwargs)
    perturb_weights(dist, 0.3, seed=seed)
    return dist


@pytest.fixture(scope="module")
def labelled():
    """A class-conditional model, images, labels and their stream."""
    dist = _model(conditional=True)
    images = np.random.default_rng(0).integers(0, 8, (3, *SHAPE), np.uint8)
    labels = np.array([0, 1, 2])
    return dist, images, labels, compress(dist, images, labels)


def test_every_flipped_byte_is_detected(labelled):
    dist, images, labels, data = labelled
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x01 if position % 2 else 0x80
        with pytest.raises(ValueError, match="stream|model|condition") as error:
            decompress(dist, bytes(damaged), labels)
        what = str(error.value)
        if position >= HEADER_SIZE:
            assert "payload is corrupted" in what
        elif position >= 4:
            assert "header is corrupted" in what or "format version" in what


@pytest.mark.parametrize(
    "cut, message",
    [
        (0, "empty"),
        (3, "truncated"),
        (HEADER_SIZE - 1, "truncated"),
        (HEADER_SIZE, "truncated: its payload has 0 of"),
        (-1, "truncated: its payload has"),
    ],
)
def test_truncated_streams_are_refused(labelled, cut, message):
    dist, _, labels, data = labelled
    with pytest.raises(ValueError, match=message):
        decompress(dist, data[:cut], labels)


def test_trailing_bytes_and_foreign_data_are_refused(labelled):
    dist, _, labels, data = labelled
    with pytest.raises(ValueError, match="bytes after its payload"):
        decompress(dist, data + data, labels)
    with pytest.raises(ValueError, match="Not a pixeldist compressed stream"):
        decompress(dist, b"\x89PNG\r\n\x1a\n" + data, labels)


def test_another_model_is_refused(labelled):
    dist, _, labels, data = labelled
    moved = _model(conditional=True)
    weight = moved.weights[0]
    value = weight.numpy()
    value.flat[0] = np.nextafter(value.flat[0], np.inf)  # one ulp
    weight.assign(value)
    with pytest.raises(ValueError, match="another model"):
        decompress(moved, data, labels)
    other_shape = make_distribution("pixelcnn", "categorical", (3, 3, 3), 7, True)
    with pytest.raises(ValueError, match="another model"):
        decompress(other_shape, data, labels)


def test_the_same_model_loaded_elsewhere_is_accepted(labelled):
    """Another object with the same configuration and weights (and another
    Keras name) has the same fingerprint."""
    dist, images, labels, data = labelled
    copy = type(dist).from_config({**dist.get_config(), "name": "copy"})
    copy.set_weights(dist.get_weights())
    np.testing.assert_array_equal(decompress(copy, data, labels), images)


@pytest.mark.parametrize(
    "condition, message",
    [
        ([0, 1, 1], "differs from the condition"),
        (None, "This model is conditional"),
        ([0, 1], "do not broadcast"),
        ([0, 1, 5], "outside \\[0, num_classes\\)"),
    ],
)
def test_a_wrong_condition_is_refused(labelled, condition, message):
    dist, _, _, data = labelled
    with pytest.raises(ValueError, match=message):
        decompress(dist, data, condition)


def test_decoded_images_are_checked_against_the_checksum(labelled):
    """A payload altered with a recomputed CRC (as a decoder computing other
    probabilities would read it) decodes to other images, which the image
    checksum refuses."""
    dist, _, labels, data = labelled
    payload = bytearray(data[HEADER_SIZE:])
    payload[0] ^= 0x40
    header = bytearray(data[:HEADER_SIZE])
    struct.pack_into("<I", header, HEADER_SIZE - 8, zlib.crc32(payload))
    struct.pack_into("<I", header, HEADER_SIZE - 4, zlib.crc32(header[:-4]))
    with pytest.raises(ValueError, match="do not match the stream's checksum"):
        decompress(dist, bytes(header + payload), labels)


def test_an_unconditional_stream_refuses_a_condition():
    dist = _model()
    images = np.zeros((2, *SHAPE))
    data = compress(dist, images)
    with pytest.raises(ValueError, match="unconditional"):
        decompress(dist, data, [0, 1])


@pytest.mark.parametrize(
    "images, error, message",
    [
        (np.zeros((2, 3, 3, 3)), ValueError, "must have shape"),
        (np.zeros((3, 3, 1)), ValueError, "must have shape \\[N, 3, 3, 1\\]"),
        (np.zeros((0, 3, 3, 1)), ValueError, "N >= 1"),
        (np.full((1, 3, 3, 1), 8), ValueError, "outside \\[low, high\\]"),
        (np.full((1, 3, 3, 1), -1), ValueError, "outside \\[low, high\\]"),
        (np.full((1, 3, 3, 1), 2.5), ValueError, "not integer-valued"),
        (np.full((1, 3, 3, 1), np.nan), ValueError, "not finite"),
        (np.full((1, 3, 3, 1), "a"), TypeError, "integer pixel values"),
    ],
)
def test_bad_images_are_refused_even_without_validate_args(images, error, message):
    dist = _model(validate_args=False)
    with pytest.raises(error, match=message):
        compress(dist, images)


@pytest.mark.parametrize(
    "condition, message",
    [
        (None, "This model is conditional"),
        ([0, 3], "outside \\[0, num_classes\\)"),
        ([0.5, 1], "integer class labels"),
        ([0, 1, 2], "do not broadcast"),
        (np.zeros((2, 2), int), "must broadcast to the number of images"),
    ],
)
def test_bad_conditions_are_refused(condition, message):
    dist = _model(conditional=True, validate_args=False)
    with pytest.raises(ValueError, match=message):
        compress(dist, np.zeros((2, *SHAPE)), condition)


def test_bad_condition_maps_are_refused():
    dist = _model(conditional="map")
    images = np.zeros((2, *SHAPE))
    good = np.zeros((2, *dist.conditional_shape), np.float32)
    with pytest.raises(ValueError, match="not finite"):
        compress(dist, images, good + np.nan)
    with pytest.raises(ValueError, match="conditional_input"):
        compress(dist, images, good[..., :1])
    data = compress(dist, images, good)
    with pytest.raises(ValueError, match="differs from the condition"):
        decompress(dist, data, good + 1e-6)
