"""Readable pictures of small images: enlarged, rows labelled, rows marked."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from pixeldist.plotting.image_grid import image_grid

_PADDING = 2  # white pixels between tiles
_GROUP_GAP = 10  # more white pixels between groups of rows
_MARGIN = 6  # pixels around a label
_FONT_SIZE = 14
_TEXT = (30, 30, 30)
_MARK = (230, 30, 30)


def labelled_image_grid(
    images,
    high: int,
    low: int = 0,
    row_labels: Sequence[str] | None = None,
    row_marks: Sequence[int | None] | None = None,
    rows_per_group: int | None = None,
    tile_size: int = 64,
) -> np.ndarray:
    """`images [rows, cols, H, W, C]` as a readable `uint8 [height, width, 3]`.

    Each image is enlarged by the smallest whole factor that makes it at
    least `tile_size` pixels on its longer side (nearest neighbour, so every
    pixel stays a sharp square: 8x8 digits become 64x64, 28x28 images
    84x84, 32x32 images 64x64).

    Args:
      images: pixel values in `[low, high]`, 1 or 3 channels.
      high, low: the value range, mapped to white and black.
      row_labels: one text per row, written left of the row.
      row_marks: one entry per row: `k` draws a red line across the row
        between image rows `k - 1` and `k` (e.g. where the known rows of a
        completion end); `None` draws none.
      rows_per_group: rows that belong together (e.g. a class's real and
        generated rows), set apart from the next group by a wider gap.
      tile_size: the smallest size of an enlarged image, in pixels.

    Returns:
      The picture, white around the images and labels.
    """
    images = np.asarray(images)
    if images.ndim != 5:
        raise ValueError(
            f"`images` must have shape [rows, cols, H, W, C], got {images.shape}."
        )
    rows, _, height, width, _ = images.shape
    for name, per_row in (("row_labels", row_labels), ("row_marks", row_marks)):
        if per_row is not None and len(per_row) != rows:
            raise ValueError(
                f"`{name}` must have one entry per row ({rows}), got {len(per_row)}."
            )
    scale = max(1, math.ceil(tile_size / max(height, width)))
    tile_height = height * scale
    group = rows_per_group or rows
    blocks, tops, offset = [], [], 0
    for start in range(0, rows, group):
        block = image_grid(
            images[start : start + group],
            high=high,
            low=low,
            padding=_PADDING,
            scale=scale,
        )
        if blocks:
            blocks.append(np.full((_GROUP_GAP, *block.shape[1:]), 255, np.uint8))
            offset += _GROUP_GAP
        count = min(group, rows - start)
        tops += [offset + _PADDING + i * (tile_height + _PADDING) for i in range(count)]
        blocks.append(block)
        offset += block.shape[0]
    grid = np.concatenate(blocks)
    for top, mark in zip(tops, row_marks or [None] * rows, strict=True):
        if mark is not None:
            _draw_mark(grid, top, mark, height, scale)
    if row_labels is None:
        return grid
    return _with_labels(grid, row_labels, tops, tile_height)


def _draw_mark(grid: np.ndarray, top: int, image_row: int, height: int, scale: int):
    """A red line across the row of tiles at `top`, above image row `image_row`."""
    if not 0 <= image_row <= height:
        raise ValueError(f"A row mark must be in [0, {height}], got {image_row}.")
    thickness = max(1, scale // 4)
    y = top + image_row * scale - thickness // 2
    y = min(max(y, top), top + height * scale - thickness)
    grid[y : y + thickness, :] = _MARK


def _with_labels(grid: np.ndarray, labels: Sequence[str], tops, tile_height: int):
    from PIL import Image, ImageDraw

    font = _font(min(_FONT_SIZE, tile_height))
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widths = [measure.textbbox((0, 0), text, font=font)[2] for text in labels]
    left = max(widths, default=0) + 2 * _MARGIN
    picture = Image.new("RGB", (left + grid.shape[1], grid.shape[0]), "white")
    picture.paste(Image.fromarray(grid), (left, 0))
    draw = ImageDraw.Draw(picture)
    for top, text in zip(tops, labels, strict=True):
        middle = top + tile_height / 2
        _, top, _, bottom = draw.textbbox((0, 0), text, font=font)
        draw.text((_MARGIN, middle - (top + bottom) / 2), text, fill=_TEXT, font=font)
    return np.asarray(picture)


def _font(size: int):
    from PIL import ImageFont

    try:  # Pillow >= 10.1 with FreeType: a scalable font
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):
        return ImageFont.load_default()
