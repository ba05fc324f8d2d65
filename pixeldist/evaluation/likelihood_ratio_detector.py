"""The likelihood-ratio out-of-distribution score of Ren et al. (2019)."""

from __future__ import annotations

import numpy as np

from pixeldist.evaluation.image_checks import check_distribution
from pixeldist.evaluation.outlier_detector import OutlierDetector


class LikelihoodRatioDetector(OutlierDetector):
    """The model's likelihood against a background model's.

    #### Mathematical details

    An image's log-likelihood mixes *semantic* evidence with *background*
    statistics (smoothness, the share of blank pixels) that dominate it and
    make simple images look likely. A background model `p_0`, trained on
    inputs perturbed by `mutate` (a fraction of their values replaced at
    random), learns the background statistics but not the semantics; the
    ratio cancels the former:

    ```none
    outlier_score(x) = (log2 p_0(x) - log2 p(x)) / (H·W·C)
                     = bits_per_dim_p(x) - bits_per_dim_p0(x)
    ```

    the negated log-likelihood ratio of [1], per dimension. `outlier_map`
    is the difference of the two models' per-pixel maps, in bits.

    Args:
      dist: the model of the in-distribution data.
      background: a model of the same images trained on mutated inputs
        (`mutate`; `pixeldist train --background-mutation 0.2`). If it is
        conditional, it must take the same conditions as `dist`: it receives
        the same `conditional_input`.
      batch_size: images per network call.

    #### References

    [1]: Jie Ren, Peter J. Liu, Emily Fertig, Jasper Snoek, Ryan Poplin,
         Mark A. DePristo, Joshua V. Dillon, Balaji Lakshminarayanan.
         Likelihood Ratios for Out-of-Distribution Detection. NeurIPS 2019.
         https://arxiv.org/abs/1906.02845
    """

    def __init__(self, dist, background, batch_size: int = 256):
        super().__init__(dist, batch_size)
        self.background = check_distribution(background, "background")
        for attribute in ("image_shape", "low", "high"):
            ours = getattr(self.dist, attribute)
            theirs = getattr(self.background, attribute)
            if ours != theirs:
                raise ValueError(
                    f"`background` must model the same images as `dist`: its "
                    f"{attribute} is {theirs}, the model's is {ours}."
                )
        if self.background.is_conditional and (
            self.background.num_classes != self.dist.num_classes
            or self.background.conditional_shape != self.dist.conditional_shape
        ):
            raise ValueError(
                "A conditional `background` must take the conditions of `dist` "
                f"(num_classes={self.dist.num_classes}, conditional_shape="
                f"{self.dist.conditional_shape}); got num_classes="
                f"{self.background.num_classes}, conditional_shape="
                f"{self.background.conditional_shape}. Train an unconditional "
                "background model instead."
            )

    def _background_condition(self, conditional_input):
        return conditional_input if self.background.is_conditional else None

    def outlier_score(self, images, conditional_input=None) -> np.ndarray:
        model = self._bits_per_dim(self.dist, images, conditional_input)
        background = self._bits_per_dim(
            self.background, images, self._background_condition(conditional_input)
        )
        return model - background

    def outlier_map(self, images, conditional_input=None) -> np.ndarray:
        model = self._pixel_bits(self.dist, images, conditional_input)
        background = self._pixel_bits(
            self.background, images, self._background_condition(conditional_input)
        )
        return model - background
