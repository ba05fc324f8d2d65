"""`compress` and `decompress`: images to bytes with the model's exact probabilities."""

from __future__ import annotations

import contextlib
import sys
import zlib

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from pixeldist.compression.coding_loop import CodingLoop
from pixeldist.compression.fingerprints import (
    condition_fingerprint,
    image_checksum,
    model_fingerprint,
)
from pixeldist.compression.stream_header import StreamHeader
from pixeldist.compression.sub_pixel_coder import SubPixelCoder
from pixeldist.distributions import input_checks


def compress(
    distribution, images, conditional_input=None, progress: bool = False
) -> bytes:
    """Losslessly compresses `images` with the model's probabilities.

    Every sub-pixel costs `-log2 q(x)` bits, `q` its probability under the
    model (quantized to 24 bits by the range coder, so that no value is
    uncodable), so the stream is `-log2 p(images)` bits — `log_prob` in
    bits — plus a 102-byte header and at most a few bytes for the coder.
    The probabilities come from the cached, one-pixel-at-a-time evaluation
    that the decoder repeats exactly (`pixeldist.compression.coding_loop`).

    Args:
      distribution: an `AutoregressiveImageDistribution` (any pixeldist model).
      images: `[N, H, W, C]` integer values in `[low, high]`, of any integer
        or float dtype (kept in the stream: `decompress` returns it).
      conditional_input: as for `log_prob`: labels `[N]` or a float condition
        `[N, ...]` (or a batch shape that broadcasts to `[N]`), or None.
      progress: show a tqdm bar over image rows on stderr.

    Returns:
      The stream: a header (see `StreamHeader`) and the coder's payload.

    Raises:
      ValueError: `images` or `conditional_input` do not fit the model
        (shape, values outside `[low, high]`, not integers, not finite).
      TypeError: `images` do not hold numbers.
    """
    images = _checked_images(distribution, images)
    num_images = len(images)
    condition = _checked_condition(distribution, conditional_input, num_images)
    values = images.astype(np.int32)
    with _row_bar(distribution, "compressing", progress) as on_row:
        coder = SubPixelCoder.for_encoding(values, distribution.low, on_row)
        coded = CodingLoop.of(distribution).run(coder, num_images, condition)
    if not np.array_equal(coded, values):  # teacher forcing returns the input
        raise AssertionError("The coding loop did not return the images it coded.")
    payload = coder.payload()
    header = StreamHeader(
        num_images=num_images,
        image_shape=tuple(distribution.image_shape),
        low=distribution.low,
        high=distribution.high,
        dtype=images.dtype.str,
        model_fingerprint=model_fingerprint(distribution),
        condition_fingerprint=condition_fingerprint(condition),
        image_checksum=image_checksum(values),
        payload_length=len(payload),
        payload_crc=zlib.crc32(payload),
    )
    return header.pack() + payload


def decompress(
    distribution, data: bytes, conditional_input=None, progress: bool = False
) -> np.ndarray:
    """The images of a stream from `compress`, bit for bit.

    Args:
      distribution: the model the stream was compressed with (the same
        configuration and weights, for instance loaded from the same
        `.keras` file).
      data: the stream.
      conditional_input: the condition given to `compress` (equal values;
        broadcasting and dtype may differ), or None.
      progress: show a tqdm bar over image rows on stderr.

    Returns:
      `[N, H, W, C]` numpy array with the values and dtype of the images
      given to `compress`.

    Raises:
      ValueError: naming what is wrong: not a pixeldist stream, another
        format version, a truncated stream, a corrupted header or payload
        (CRC-32), another model (fingerprint of configuration and weights),
        a missing, unexpected or different condition, or decoded images
        that do not match the stream's checksum (a decoder that computed
        other probabilities than the encoder: see the README's guarantees).
    """
    header, payload = StreamHeader.unpack(data)
    if tuple(header.image_shape) != tuple(distribution.image_shape) or (
        header.low,
        header.high,
    ) != (distribution.low, distribution.high):
        raise ValueError(
            f"The stream holds images of shape {list(header.image_shape)} with values "
            f"in [{header.low}, {header.high}]; this model's are of shape "
            f"{list(distribution.image_shape)} in "
            f"[{distribution.low}, {distribution.high}]: another model."
        )
    if header.model_fingerprint != model_fingerprint(distribution):
        raise ValueError(
            "The stream was compressed with another model: this distribution's "
            "configuration or weights differ from the encoder's (fingerprint "
            "mismatch)."
        )
    condition = _checked_condition(distribution, conditional_input, header.num_images)
    if condition_fingerprint(condition) != header.condition_fingerprint:
        raise ValueError(
            "`conditional_input` differs from the condition the images were "
            "compressed with (fingerprint mismatch)."
        )
    if len(payload) % 4:
        raise ValueError("The stream's payload is corrupted (not 32-bit words).")
    with _row_bar(distribution, "decompressing", progress) as on_row:
        coder = SubPixelCoder.for_decoding(
            payload, distribution.image_shape, distribution.low, on_row
        )
        values = CodingLoop.of(distribution).run(coder, header.num_images, condition)
    if image_checksum(values) != header.image_checksum:
        raise ValueError(
            "The decoded images do not match the stream's checksum: the decoder "
            "computed other probabilities than the encoder (another TensorFlow or "
            "pixeldist version, or another kind of machine), or the stream was "
            "altered with valid CRCs."
        )
    return values.astype(header.numpy_dtype)


def _checked_images(distribution, images) -> np.ndarray:
    """`images` as a numpy array `[N, H, W, C]` of integers in `[low, high]`,
    checked whatever the distribution's `validate_args`."""
    images = images.numpy() if isinstance(images, tf.Tensor) else np.asarray(images)
    if images.dtype.kind not in "iuf":
        raise TypeError(
            f"`images` must hold integer pixel values, got dtype {images.dtype}."
        )
    shape = ", ".join(map(str, distribution.image_shape))
    if images.ndim != 4 or not len(images):
        raise ValueError(
            f"`images` must have shape [N, {shape}] with N >= 1, "
            f"got shape {list(images.shape)}."
        )
    tensor = tf.constant(images)
    input_checks.check_event_shape(tensor, distribution.image_shape, "images")
    input_checks.check_integer_values_in_range(
        tensor, distribution.low, distribution.high, "images"
    )
    return images


def _checked_condition(distribution, conditional_input, num_images: int):
    """The flattened condition `[N]` or `[N, ...]` the network reads, or None;
    checked whatever the distribution's `validate_args`."""
    distribution._check_condition_given(conditional_input)
    if conditional_input is None:
        return None
    condition, _, static_batch, _ = distribution._prepare_condition(conditional_input)
    if distribution.num_classes is not None:
        input_checks.check_labels(
            condition, distribution.num_classes, "conditional_input"
        )
    else:
        input_checks.check_finite(condition, "conditional_input")
    merged = input_checks.broadcast_batch_shapes(
        [num_images], static_batch, "images", "conditional_input"
    )
    if merged.as_list() != [num_images]:
        raise ValueError(
            f"The batch shape of `conditional_input` {static_batch} must broadcast "
            f"to the number of images, [{num_images}]."
        )
    return distribution._flatten_condition(condition, [num_images])


@contextlib.contextmanager
def _row_bar(distribution, description: str, progress: bool):
    """Yields a callback advancing a tqdm bar by one image row, or None."""
    if not progress:
        yield None
        return
    height = distribution.image_shape[0]
    with tqdm(total=height, desc=description, unit="row", file=sys.stderr) as bar:
        yield lambda: bar.update(1)
