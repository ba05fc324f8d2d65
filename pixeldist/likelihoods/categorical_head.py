"""Turns raw network outputs into per-channel categorical laws."""

from __future__ import annotations

import tensorflow as tf

from pixeldist.likelihoods.logistic_mixture_head import (
    likelihood_float,
    split_last_axis,
)
from pixeldist.likelihoods.quantized_categorical import QuantizedCategorical


class CategoricalHead:
    """Maps `C * L` raw outputs per pixel to `QuantizedCategorical` logits.

    `L = high - low + 1` logits per channel, laid out channel-major (output
    `c * L + l` is channel `c`'s logit of value `low + l`). The network splits
    its features into `num_channel_groups = C` groups in this order, so that
    channel `c`'s logits see channels `< c` of the same pixel, which makes the
    product of the categoricals the chain rule within a pixel (PixelCNN,
    van den Oord et al., 2016).

    #### Mathematical details

    ```none
    logits[..., c, l] = raw[..., c * L + l] / T
    ```

    with temperature `T`.

    #### Examples

    ```python
    head = CategoricalHead(num_channels=3, low=0, high=255)
    raw = tf.zeros([8, 32, 32, head.num_outputs])  # 768 outputs per pixel
    dist = head.distribution(raw)  # batch [8, 32, 32], event [3]
    ```
    """

    def __init__(self, num_channels: int, low: int, high: int):
        if int(num_channels) != num_channels or num_channels < 1:
            raise ValueError(f"`num_channels` must be >= 1, got {num_channels!r}.")
        if int(low) != low or int(high) != high or not high > low:
            raise ValueError(
                f"`high` must be an integer > `low`, got low={low!r}, high={high!r}."
            )
        self.num_channels = int(num_channels)
        self.low = int(low)
        self.high = int(high)

    @property
    def num_levels(self) -> int:
        """`L = high - low + 1` values per channel."""
        return self.high - self.low + 1

    @property
    def num_outputs(self) -> int:
        """Raw values per pixel, `C * L`."""
        return self.num_channels * self.num_levels

    @property
    def num_channel_groups(self) -> int:
        """`C`: channel `c`'s outputs see channels `< c` of their pixel."""
        return self.num_channels

    def distribution(
        self, raw, temperature: float | tf.Tensor = 1.0
    ) -> QuantizedCategorical:
        """The categoricals for `raw [..., num_outputs]`; batch shape `[...]`."""
        raw = likelihood_float(raw)
        (logits,) = split_last_axis(raw, [[self.num_channels, self.num_levels]])
        return QuantizedCategorical(
            logits=logits / tf.cast(temperature, raw.dtype),  # [..., C, L]
            low=self.low,
            validate_args=False,
        )
