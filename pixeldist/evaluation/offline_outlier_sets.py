"""Out-of-distribution images made without a download, for detector tests."""

from __future__ import annotations

import numpy as np


def offline_outlier_sets(reference, high: int, low: int = 0, seed: int = 0) -> dict:
    """Four sets of outliers of the shape and value range of `reference`.

    - `"uniform noise"`: every value uniform in `[low, high]`;
    - `"constant images"`: one uniform level per image (the simple images
      that plain likelihoods favour);
    - `"inverted images"`: `high + low - reference`, the same shapes in
      negative;
    - `"photograph patches"`: crops of scikit-learn's two bundled sample
      photographs (a Chinese temple, a flower), each four times the image's
      height and width, average-pooled 4x to the image's size, grey for one
      channel, quantized to the levels `low..high`.

    Args:
      reference: `[N, H, W, C]` in-distribution images, C = 1 or 3, with
        `4·H` <= 427 and `4·W` <= 640 (the photographs' size).
      high, low: the value range.
      seed: for the random parts.

    Returns:
      `{name: int64 [N, H, W, C]}`.
    """
    from sklearn.datasets import load_sample_images

    reference = np.asarray(reference)
    if reference.ndim != 4 or reference.shape[-1] not in (1, 3):
        raise ValueError(
            "`reference` must have shape [N, H, W, C] with C = 1 or 3, got "
            f"{reference.shape}."
        )
    count, height, width, channels = reference.shape
    rng = np.random.default_rng(seed)
    photos = load_sample_images().images  # two [427, 640, 3] uint8
    patches = np.stack(
        [_patch(photos[k % 2], height, width, channels, rng) for k in range(count)]
    ).reshape(reference.shape)  # [N, H, W, C] in [0, 1]
    return {
        "uniform noise": rng.integers(low, high + 1, reference.shape),
        "constant images": np.broadcast_to(
            rng.integers(low, high + 1, (count, 1, 1, 1)), reference.shape
        ).copy(),
        "inverted images": (high + low - reference).astype(np.int64),
        "photograph patches": np.round(patches * (high - low) + low).astype(np.int64),
    }


def _patch(photo, height, width, channels, rng) -> np.ndarray:
    """A random crop of `photo` `[427, 640, 3]` pooled to `[H, W, C]` in [0, 1]."""
    if 4 * height > photo.shape[0] or 4 * width > photo.shape[1]:
        raise ValueError(
            f"Images of {height}x{width} are too large for patches of the "
            f"{photo.shape[0]}x{photo.shape[1]} sample photographs."
        )
    values = photo.astype(np.float64) / 255.0
    if channels == 1:
        values = values.mean(axis=-1, keepdims=True)
    top = rng.integers(0, photo.shape[0] - 4 * height + 1)
    left = rng.integers(0, photo.shape[1] - 4 * width + 1)
    crop = values[top : top + 4 * height, left : left + 4 * width]
    return crop.reshape(height, 4, width, 4, channels).mean(axis=(1, 3))
