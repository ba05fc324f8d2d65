"""Code lengths of a general-purpose lossless image codec (Pillow)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

#: Codec name -> Pillow's save arguments, each at its strongest lossless setting.
CODECS = {
    "png": {"format": "PNG", "optimize": True, "compress_level": 9},
    "webp": {"format": "WEBP", "lossless": True, "quality": 100, "method": 6},
}


def lossless_codec_bits(images, low: int = 0, codec: str = "png") -> np.ndarray:
    """Size in bits of each image in a lossless codec's file, NumPy `[batch...]`.

    The values `x - low` are stored as 8-bit pixels: one grey plane (C = 1),
    RGB (C = 3), RGBA (C = 4), otherwise the C channels side by side as one
    grey image `[H, W·C]`. The size is the whole file's, headers included:
    for images of one shape the headers cost the same fixed number of bytes,
    which shifts every image's size alike.

    Args:
      images: `[batch..., H, W, C]` integers in `[low, low + 255]`.
      low: the smallest value.
      codec: `"png"` (maximum compression) or `"webp"` (lossless, slowest and
        strongest method).

    Returns:
      Bits per image, as floats.
    """
    if codec not in CODECS:
        raise ValueError(f"`codec` must be one of {sorted(CODECS)}, got {codec!r}.")
    images = np.asarray(images)
    if images.ndim < 3:
        raise ValueError(
            f"`images` must have shape [..., H, W, C], got shape {images.shape}."
        )
    values = images.astype(np.int64) - int(low)
    if values.size and (values.min() < 0 or values.max() > 255):
        raise ValueError(
            f"`images` must hold values in [low, low + 255] = [{low}, {low + 255}] "
            "to be stored as 8-bit pixels."
        )
    flat = values.astype(np.uint8).reshape(-1, *images.shape[-3:])
    sizes = np.array([_file_bits(image, codec) for image in flat], dtype=np.float64)
    return sizes.reshape(images.shape[:-3])


def _file_bits(image: np.ndarray, codec: str) -> int:
    """Bits of one `[H, W, C]` uint8 image's file."""
    height, width, channels = image.shape
    if channels == 1:
        picture = Image.fromarray(image[..., 0], mode="L")
    elif channels in (3, 4):
        picture = Image.fromarray(image, mode="RGB" if channels == 3 else "RGBA")
    else:
        side_by_side = image.transpose(0, 2, 1).reshape(height, channels * width)
        picture = Image.fromarray(np.ascontiguousarray(side_by_side), mode="L")
    buffer = io.BytesIO()
    picture.save(buffer, **CODECS[codec])
    return 8 * buffer.tell()
