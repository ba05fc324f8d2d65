"""The pictures the command line writes: samples per class and completions."""

from __future__ import annotations

import numpy as np

from pixeldist.plotting import save_image_grid


def save_class_rows(path, real_by_class, generated_by_class, high, low=0) -> None:
    """For each class, a row of real images above a row of generated ones.

    Args:
      real_by_class, generated_by_class: `[classes, n, H, W, C]`.
    """
    rows = []
    for real, generated in zip(real_by_class, generated_by_class, strict=True):
        rows.extend([real, generated])
    save_image_grid(path, np.stack(rows), high=high, low=low)


def save_completions(path, originals, completions, num_known_rows, high, low=0):
    """Rows: the originals, the occluded inputs (unknown rows blank), then each
    set of completions. `originals [n, H, W, C]`, `completions [k, n, H, W, C]`."""
    occluded = np.array(originals, dtype=np.float64)
    occluded[:, num_known_rows:] = low
    rows = [np.asarray(originals), occluded, *np.asarray(completions)]
    save_image_grid(path, np.stack(rows), high=high, low=low)
