"""The pictures the command line writes: samples per class and completions.

Every picture enlarges the images to a readable size and labels its rows
(`pixeldist.plotting.labelled_image_grid`); class rows carry the class name
where the data set has names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from pixeldist.plotting import labelled_image_grid, super_resolution_grid


def _save(path, rows, labels, high, low, **options) -> None:
    picture = labelled_image_grid(
        np.stack(rows), high=high, low=low, row_labels=labels, **options
    )
    Image.fromarray(picture).save(path)


def save_class_rows(
    path,
    real_by_class,
    generated_by_class,
    high,
    low=0,
    class_names: Sequence[str] | None = None,
) -> None:
    """For each class, a row of real images above a row of generated ones.

    Each class's pair of rows is set apart from the next. Rows are labelled
    "real NAME" and "generated NAME", or "real" and "generated" for an
    unconditional model (`class_names=None`).

    Args:
      real_by_class, generated_by_class: `[classes, n, H, W, C]`.
    """
    names = [""] * len(real_by_class) if class_names is None else class_names
    rows, labels = [], []
    for real, generated, name in zip(
        real_by_class, generated_by_class, names, strict=True
    ):
        rows.extend([real, generated])
        labels.extend([f"real {name}".strip(), f"generated {name}".strip()])
    _save(path, rows, labels, high, low, rows_per_group=2)


def save_generated_rows(
    path, generated_by_row, high, low=0, row_names: Sequence[str] | None = None
) -> None:
    """Rows of generated images `[rows, n, H, W, C]`, labelled "generated NAME"."""
    names = [""] * len(generated_by_row) if row_names is None else row_names
    labels = [f"generated {name}".strip() for name in names]
    _save(path, list(generated_by_row), labels, high, low)


def save_completions(path, originals, completions, num_known_rows, high, low=0):
    """Rows: the originals, the inputs (the known rows; the rest grey), then
    each set of completions, with a red line where the known rows end.

    `originals [n, H, W, C]`, `completions [k, n, H, W, C]`.
    """
    known = np.array(originals, dtype=np.float64)
    known[:, num_known_rows:] = (low + high) / 2  # grey: neither ink nor paper
    rows = [np.asarray(originals), known, *np.asarray(completions)]
    labels = [
        "original",
        "known rows",
        *(f"completion {k + 1}" for k in range(len(completions))),
    ]
    marks = [None] + [num_known_rows] * (len(rows) - 1)
    _save(path, rows, labels, high, low, row_marks=marks)


def save_super_resolutions(path, inputs, samples, factor, high, low=0, originals=None):
    """Low-resolution inputs `[n, h, w, C]` (enlarged), above the samples
    `[k, n, H, W, C]` made for them, below the originals when given."""
    picture = super_resolution_grid(inputs, samples, factor, high, low, originals)
    Image.fromarray(picture).save(path)
