"""`lossless_codec_bits`: the size of a real, decodable file of the image."""

from __future__ import annotations

import io
from unittest import mock

import numpy as np
import pytest
from PIL import Image

from pixeldist.evaluation import lossless_codec_bits


@pytest.mark.parametrize("codec", ["png", "webp"])
@pytest.mark.parametrize("channels", [1, 2, 3])
def test_the_file_decodes_to_the_image_and_noise_costs_more(codec, channels):
    rng = np.random.default_rng(0)
    noise = rng.integers(3, 20, (1, 16, 16, channels))
    constant = np.full((1, 16, 16, channels), 3)
    files = []
    real_save = Image.Image.save

    def keep(picture, buffer, **kwargs):
        real_save(picture, buffer, **kwargs)
        files.append(buffer.getvalue())

    with mock.patch.object(Image.Image, "save", keep):
        bits = lossless_codec_bits(
            np.concatenate([noise, constant]), low=3, codec=codec
        )
    assert bits.shape == (2,) and bits[0] > bits[1] > 0
    assert [8 * len(f) for f in files] == list(bits)
    decoded = np.asarray(
        Image.open(io.BytesIO(files[0])).convert("L" if channels != 3 else "RGB")
    )
    stored = noise[0] - 3
    if channels == 2:
        stored = stored.transpose(0, 2, 1).reshape(16, 32)
    np.testing.assert_array_equal(decoded.reshape(stored.shape), stored)


def test_batch_shape_is_kept():
    images = np.zeros((2, 3, 4, 4, 1), np.uint8)
    assert lossless_codec_bits(images).shape == (2, 3)


@pytest.mark.parametrize(
    "images, kwargs, message",
    [
        (np.full((1, 2, 2, 1), 256), {}, "\\[low, low \\+ 255\\]"),
        (np.full((1, 2, 2, 1), 2), {"low": 3}, "\\[low, low \\+ 255\\]"),
        (np.zeros((2, 2)), {}, "\\[..., H, W, C\\]"),
        (np.zeros((1, 2, 2, 1)), {"codec": "jpeg"}, "`codec`"),
    ],
)
def test_bad_input_is_named(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lossless_codec_bits(images, **kwargs)
