"""A picture of super-resolution: inputs, the originals, samples."""

from __future__ import annotations

import numpy as np

from pixeldist.plotting.labelled_image_grid import labelled_image_grid


def super_resolution_grid(
    inputs, samples, factor: int, high: int, low: int = 0, originals=None
) -> np.ndarray:
    """Columns of low-resolution inputs with the images sampled for them.

    Rows, top to bottom: the originals (when given), the inputs enlarged
    `factor` times to the images' size (each pixel a `factor x factor`
    block), then one row per sample; column `i` belongs to input `i`.

    Args:
      inputs: low-resolution images, pixel values in `[low, high]` (e.g.
        averages of blocks), `[n, H / factor, W / factor, C]`.
      samples: `[k, n, H, W, C]`, `k` samples for each input.
      factor: how much smaller the inputs are.
      high, low: the value range.
      originals: `[n, H, W, C]` or `None`.

    Returns:
      `uint8 [height, width, 3]` (see `labelled_image_grid`).
    """
    inputs, samples = np.asarray(inputs), np.asarray(samples)
    if samples.ndim != 5 or inputs.shape[0] != samples.shape[1]:
        raise ValueError(
            "`samples` must be [k, n, H, W, C] for `inputs` [n, h, w, C], got "
            f"{samples.shape} and {inputs.shape}."
        )
    enlarged = np.repeat(np.repeat(inputs, factor, axis=1), factor, axis=2)
    rows = [enlarged, *samples]
    labels = [f"input ({factor}x smaller)"] + [
        f"sample {k + 1}" for k in range(len(samples))
    ]
    if originals is not None:
        rows.insert(0, np.asarray(originals))
        labels.insert(0, "original")
    return labelled_image_grid(np.stack(rows), high=high, low=low, row_labels=labels)
