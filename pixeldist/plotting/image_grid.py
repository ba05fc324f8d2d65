"""Image grids (rows of samples) as PNG files."""

from __future__ import annotations

import numpy as np


def image_grid(
    images, high: int, low: int = 0, padding: int = 1, scale: int = 1
) -> np.ndarray:
    """Tiles `images [rows, cols, H, W, C]` into one `uint8` picture.

    Pixel values in `[low, high]` are mapped to 0..255; each image is
    enlarged `scale` times (nearest neighbour) and tiles are separated by
    `padding` white pixels. Returns `[rows*(sH+p)+p, cols*(sW+p)+p, 3]` with
    `s = scale`, `p = padding`.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 5:
        raise ValueError(
            f"`images` must have shape [rows, cols, H, W, C], got {images.shape}."
        )
    if scale < 1:
        raise ValueError(f"`scale` must be >= 1, got {scale}.")
    images = images.repeat(scale, axis=2).repeat(scale, axis=3)
    rows, cols, height, width, channels = images.shape
    if channels not in (1, 3):
        raise ValueError(f"`images` must have 1 or 3 channels, got {channels}.")
    scaled = np.clip((images - low) / (high - low), 0.0, 1.0) * 255.0
    scaled = np.round(scaled).astype(np.uint8)
    if channels == 1:
        scaled = np.repeat(scaled, 3, axis=-1)
    grid = np.full(
        (rows * (height + padding) + padding, cols * (width + padding) + padding, 3),
        255,
        dtype=np.uint8,
    )
    for r in range(rows):
        for c in range(cols):
            top = padding + r * (height + padding)
            left = padding + c * (width + padding)
            grid[top : top + height, left : left + width] = scaled[r, c]
    return grid


def save_image_grid(path, images, high: int, low: int = 0, scale: int = 4) -> None:
    """Writes `image_grid(images)` to a PNG, enlarged `scale` times (nearest)."""
    from PIL import Image

    grid = image_grid(images, high=high, low=low)
    picture = Image.fromarray(grid)
    if scale != 1:
        picture = picture.resize(
            (grid.shape[1] * scale, grid.shape[0] * scale), Image.NEAREST
        )
    picture.save(path)
