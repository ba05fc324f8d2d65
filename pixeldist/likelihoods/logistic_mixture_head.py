"""Turns raw network outputs into a discretized logistic mixture."""

from __future__ import annotations

import math

import tensorflow as tf
from tensorflow_probability.python.internal import prefer_static as ps

from pixeldist.likelihoods.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
)


def likelihood_float(raw) -> tf.Tensor:
    """`raw` as a tensor of at least float32.

    Mixed precision runs the network in float16/bfloat16, but the likelihood
    (log-sum-exp over components and values, scales down to 1e-2 of a level)
    is computed in float32; float64 stays float64.
    """
    raw = tf.convert_to_tensor(raw)
    if raw.dtype in (tf.float16, tf.bfloat16):
        raw = tf.cast(raw, tf.float32)
    return raw


def split_last_axis(raw: tf.Tensor, shapes: list[list[int]]) -> list[tf.Tensor]:
    """Splits `raw [..., N]` into consecutive row-major blocks `[..., *shape]`."""
    sizes = [math.prod(shape) for shape in shapes]
    if raw.shape[-1] is not None and raw.shape[-1] != sum(sizes):
        raise ValueError(f"Expected {sum(sizes)} raw outputs, got shape {raw.shape}.")
    batch = ps.shape(raw)[:-1]
    return [
        tf.reshape(block, ps.concat([batch, shape], axis=0))
        for block, shape in zip(tf.split(raw, sizes, axis=-1), shapes, strict=True)
    ]


class LogisticMixtureHead:
    """Maps `K(1 + 2C + C(C-1)/2)` raw outputs per pixel to a logistic mixture.

    The head has no weights; it fixes the layout and the activations that turn
    unconstrained network outputs into `DiscretizedLogisticMixture`
    parameters. All outputs of a pixel see only its context (never the
    pixel's own channels): the channels are coupled by the mixture's linear
    coefficients instead, so `num_channel_groups == 1`.

    #### Mathematical details

    `raw [..., num_outputs]` is read as the blocks `[K | K*C | K*C | K*P]`,
    `P = C(C-1)/2`, each reshaped row-major (component-major) to `[..., K]`,
    `[..., K, C]`, `[..., K, C]`, `[..., K, P]`. With `m = (low + high) / 2`,
    `h = (high - low) / 2` and temperature `T`:

    ```none
    logits = raw_logits / T
    locs   = m + h * raw_locs
    scales = (h * softplus(raw_scales) + min_scale) * T
    coeffs = tanh(raw_coeffs)
    ```

    so a network output of order 1 spans the value range, and `min_scale`
    keeps every bin's probability away from 0 and 1 by a margin the
    optimizer cannot remove.

    #### Examples

    ```python
    head = LogisticMixtureHead(num_channels=3, num_mix=5, low=0, high=255)
    raw = tf.zeros([8, 32, 32, head.num_outputs])
    dist = head.distribution(raw)  # batch [8, 32, 32], event [3]
    ```
    """

    def __init__(
        self,
        num_channels: int,
        num_mix: int,
        low: int,
        high: int,
        min_scale: float = 1e-2,
    ):
        if int(num_channels) != num_channels or num_channels < 1:
            raise ValueError(f"`num_channels` must be >= 1, got {num_channels!r}.")
        if int(num_mix) != num_mix or num_mix < 1:
            raise ValueError(f"`num_mix` must be >= 1, got {num_mix!r}.")
        if int(low) != low or int(high) != high or not high > low:
            raise ValueError(
                f"`high` must be an integer > `low`, got low={low!r}, high={high!r}."
            )
        if not min_scale > 0:
            raise ValueError(f"`min_scale` must be > 0, got {min_scale!r}.")
        self.num_channels = int(num_channels)
        self.num_mix = int(num_mix)
        self.low = int(low)
        self.high = int(high)
        self.min_scale = float(min_scale)

    @property
    def num_pairs(self) -> int:
        """`C(C-1)/2` coupling coefficients per component."""
        return self.num_channels * (self.num_channels - 1) // 2

    @property
    def num_outputs(self) -> int:
        """Raw values per pixel, `K(1 + 2C + C(C-1)/2)`."""
        return self.num_mix * (1 + 2 * self.num_channels + self.num_pairs)

    @property
    def num_channel_groups(self) -> int:
        """1: every output sees only the context of its pixel."""
        return 1

    def distribution(
        self, raw, temperature: float | tf.Tensor = 1.0
    ) -> DiscretizedLogisticMixture:
        """The mixture for `raw [..., num_outputs]`; batch shape `[...]`.

        `temperature` < 1 sharpens both the component choice and each
        logistic, > 1 flattens them.
        """
        raw = likelihood_float(raw)
        temperature = tf.cast(temperature, raw.dtype)
        k, c = self.num_mix, self.num_channels
        logits, locs, scales, coeffs = split_last_axis(
            raw, [[k], [k, c], [k, c], [k, self.num_pairs]]
        )
        centre = (self.low + self.high) / 2
        half_range = (self.high - self.low) / 2
        return DiscretizedLogisticMixture(
            logits=logits / temperature,  # [..., K]
            locs=centre + locs * half_range,  # [..., K, C]
            scales=(tf.math.softplus(scales) * half_range + self.min_scale)
            * temperature,  # [..., K, C]
            coeffs=tf.math.tanh(coeffs) if self.num_pairs else None,  # [..., K, P]
            low=self.low,
            high=self.high,
            validate_args=False,
        )
