"""Out-of-distribution scores from the model's likelihood alone."""

from __future__ import annotations

import numpy as np

from pixeldist.evaluation.outlier_detector import OutlierDetector


class LikelihoodDetector(OutlierDetector):
    """The plain likelihood score: the model's bits/dim of an image.

    `outlier_score(x) = -log2 p(x | h) / (H·W·C)`. The natural baseline, and
    a known failure: models of MNIST-like data give simple images (constant,
    smooth) higher likelihood than their own test data (Nalisnick et al.
    2019), which the likelihood-ratio and complexity detectors correct.

    `outlier_map(x)[i, j]` is `-log2 p(x[i, j] | earlier pixels, h)` in bits.

    Args:
      dist: the model of the in-distribution data.
      batch_size: images per network call.
    """

    def outlier_score(self, images, conditional_input=None) -> np.ndarray:
        return self._bits_per_dim(self.dist, images, conditional_input)

    def outlier_map(self, images, conditional_input=None) -> np.ndarray:
        return self._pixel_bits(self.dist, images, conditional_input)
