"""The input-complexity out-of-distribution score of Serrà et al. (2020)."""

from __future__ import annotations

import math

import numpy as np

from pixeldist.evaluation.image_checks import checked_images
from pixeldist.evaluation.lossless_codec_bits import CODECS, lossless_codec_bits
from pixeldist.evaluation.outlier_detector import OutlierDetector


class ComplexityDetector(OutlierDetector):
    """The model's code length against a general-purpose compressor's.

    #### Mathematical details

    Simple images get high likelihood under every model; a lossless codec
    measures that simplicity without knowing the data. A codec that spends
    `L(x)` bits on `x` is a universal model `p_0(x) = 2^-L(x)`, and the score
    is the likelihood ratio against it [1], per dimension:

    ```none
    outlier_score(x) = (-log2 p(x) - L(x)) / (H·W·C)
    ```

    `L(x)` is the size of `x`'s PNG file (Pillow, maximum compression) or
    lossless WebP file (see `lossless_codec_bits`). The codec has no
    per-pixel code lengths: `outlier_map` is the model's (as
    `LikelihoodDetector`), and the map of an image sums to its score plus
    `L(x)`.

    Args:
      dist: the model of the in-distribution data.
      codec: `"png"` or `"webp"`.
      batch_size: images per network call.

    #### References

    [1]: Joan Serrà, David Álvarez, Vicenç Gómez, Olga Slizovskaia, José F.
         Núñez, Jordi Luque. Input Complexity and Out-of-Distribution
         Detection with Likelihood-Based Generative Models. ICLR 2020.
         https://arxiv.org/abs/1909.11480
    """

    def __init__(self, dist, codec: str = "png", batch_size: int = 256):
        super().__init__(dist, batch_size)
        if codec not in CODECS:
            raise ValueError(f"`codec` must be one of {sorted(CODECS)}, got {codec!r}.")
        if self.dist.high - self.dist.low > 255:
            raise ValueError(
                "The codec stores 8-bit pixels: `dist` must have at most 256 "
                f"levels, it has {self.dist.high - self.dist.low + 1}."
            )
        self.codec = codec

    def outlier_score(self, images, conditional_input=None) -> np.ndarray:
        model = self._bits_per_dim(self.dist, images, conditional_input)
        images = checked_images(
            images, self.dist.image_shape, self.dist.low, self.dist.high
        )
        codec_bits = lossless_codec_bits(images.numpy(), self.dist.low, self.codec)
        codec = codec_bits / math.prod(self.dist.image_shape)
        return model - np.broadcast_to(codec, np.shape(model))

    def outlier_map(self, images, conditional_input=None) -> np.ndarray:
        return self._pixel_bits(self.dist, images, conditional_input)
