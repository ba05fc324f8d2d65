"""The interface of the out-of-distribution detectors."""

from __future__ import annotations

import abc

import numpy as np

from pixeldist.evaluation.batched_scores import bits_per_dim_of, image_bits, pixel_bits
from pixeldist.evaluation.image_checks import check_distribution


class OutlierDetector(abc.ABC):
    """Scores images by how unlike the training data they are.

    `outlier_score(images)` is higher for images more likely out of
    distribution; `outlier_map(images)` spreads a score over the pixels, for
    pictures. Rank detectors with `detection_metrics`.

    Args:
      dist: the pixeldist distribution trained on the in-distribution data.
      batch_size: images per network call.
    """

    def __init__(self, dist, batch_size: int = 256):
        self.dist = check_distribution(dist)
        if not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
            raise ValueError(
                f"`batch_size` must be an integer >= 1, got {batch_size!r}."
            )
        self.batch_size = int(batch_size)

    @abc.abstractmethod
    def outlier_score(self, images, conditional_input=None) -> np.ndarray:
        """NumPy `[batch...]` scores of `images [batch..., H, W, C]`; higher
        means more likely out of distribution. `conditional_input`: the
        model's labels or conditions for the images, when it has any."""

    @abc.abstractmethod
    def outlier_map(self, images, conditional_input=None) -> np.ndarray:
        """NumPy `[batch..., H, W]`: each pixel's share of the score, in bits
        (the maps of an image sum to its score times `H·W·C`, up to what the
        detector adds per image)."""

    def _bits_per_dim(self, dist, images, conditional_input) -> np.ndarray:
        """Bits/dim `[batch...]` of `images` under `dist`."""
        bits = image_bits(dist, images, conditional_input, self.batch_size)
        return bits_per_dim_of(bits, dist.image_shape)

    def _pixel_bits(self, dist, images, conditional_input) -> np.ndarray:
        return pixel_bits(dist, images, conditional_input, self.batch_size)
