"""Sampling many images in equal chunks, with a progress bar on stderr."""

from __future__ import annotations

import sys

import numpy as np
from tqdm.auto import tqdm


def sample_with_progress(
    distribution,
    count: int,
    labels=None,
    seed: int = 0,
    temperature: float = 1.0,
    method: str = "fast",
    chunk_size: int = 8,
    quiet: bool = False,
) -> np.ndarray:
    """`count` images (one per label when `labels` is given), chunk by chunk.

    Every chunk has `chunk_size` images (the last one is padded), so the
    compiled sampler is reused; chunk k uses seed `seed + k`. The bar on
    stderr advances by images.
    """
    if labels is not None:
        labels = np.asarray(labels)
        count = len(labels)
    chunks = []
    with tqdm(
        total=count, desc="sampling", unit="image", file=sys.stderr, disable=quiet
    ) as bar:
        for k, start in enumerate(range(0, count, chunk_size)):
            stop = min(start + chunk_size, count)
            condition = None
            if labels is not None:
                condition = labels[start:stop]
                condition = np.concatenate(
                    [
                        condition,
                        np.repeat(condition[-1:], chunk_size - len(condition), axis=0),
                    ]
                )
            images = distribution.sample(
                chunk_size,
                seed=seed + k,
                conditional_input=condition,
                temperature=temperature,
                method=method,
            ).numpy()
            chunks.append(images[: stop - start])
            bar.update(stop - start)
    if not chunks:
        return np.zeros((0, *distribution.image_shape))
    return np.concatenate(chunks)
