"""The Fréchet distance of two image sets in a classifier's feature space."""

from __future__ import annotations

import numpy as np


def frechet_distance(classifier, images_a, images_b, batch_size: int = 256) -> float:
    """The FID recipe with a feature network trained on the data set itself.

    #### Mathematical details

    With `(mu_a, S_a)` and `(mu_b, S_b)` the mean and covariance of the two
    sets' features (`classifier.features`, the penultimate layer of an
    `ImageClassifier`), the Fréchet (2-Wasserstein) distance of the two
    Gaussians:

    ```none
    d^2 = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^1/2 S_b S_a^1/2)^1/2)
    ```

    The last trace is taken from the eigenvalues of the symmetric
    `S_a^1/2 S_b S_a^1/2` (negative round-off clipped to 0), which is stable
    where `sqrtm(S_a S_b)` of a singular product is not. Like the FID, the
    estimate is biased upwards for small sets: compare sets of equal size.

    Args:
      classifier: an `ImageClassifier` (or any object with `features(images)`
        returning `[N, D]`).
      images_a, images_b: `[N, H, W, C]` image sets, at least 2 images each.
      batch_size: images per network call.

    Returns:
      The squared Fréchet distance `d^2` (as the FID reports it), >= 0.
    """
    features = []
    for name, images in (("images_a", images_a), ("images_b", images_b)):
        if len(images) < 2:
            raise ValueError(
                f"`{name}` must hold at least 2 images, got {len(images)}."
            )
        features.append(
            np.asarray(classifier.features(images, batch_size=batch_size), np.float64)
        )
    (mean_a, cov_a), (mean_b, cov_b) = (
        (f.mean(axis=0), np.cov(f, rowvar=False)) for f in features
    )
    root_a = _symmetric_sqrt(cov_a)
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0.0, None))
    distance = (
        np.sum((mean_a - mean_b) ** 2)
        + np.trace(cov_a)
        + np.trace(cov_b)
        - 2.0 * np.sum(cross)
    )
    return float(max(distance, 0.0))


def _symmetric_sqrt(matrix: np.ndarray) -> np.ndarray:
    """The PSD square root of a symmetric PSD matrix."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
