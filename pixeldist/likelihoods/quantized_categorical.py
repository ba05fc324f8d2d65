"""Independent categorical laws over the quantized values of a pixel's channels."""

from __future__ import annotations

import tensorflow as tf
from tensorflow_probability.python.distributions import distribution
from tensorflow_probability.python.internal import (
    assert_util,
    dtype_util,
    parameter_properties,
    reparameterization,
    samplers,
    tensor_util,
)
from tensorflow_probability.python.internal import prefer_static as ps


def inverse_cdf_index(logits: tf.Tensor, u: tf.Tensor) -> tf.Tensor:
    """Index drawn from `softmax(logits)` by inverse CDF with uniform `u`.

    The index is the number of cumulative probabilities strictly below `u`,
    clipped to `K - 1` in case rounding leaves the last one below 1, so that
    `P[index == k] = softmax(logits)_k` for `u ~ Uniform[0, 1)`.

    Args:
      logits: `[..., K]` unnormalized log probabilities.
      u: `[...]` uniforms in [0, 1); broadcasts with `logits.shape[:-1]`.

    Returns:
      `int32` `Tensor` of the broadcast batch shape.
    """
    cdf = tf.math.cumsum(tf.nn.softmax(logits, axis=-1), axis=-1)  # [..., K]
    below = tf.cast(cdf < tf.cast(u, cdf.dtype)[..., tf.newaxis], tf.int32)
    return tf.minimum(tf.reduce_sum(below, axis=-1), ps.shape(logits)[-1] - 1)


def integer_support_assertions(x: tf.Tensor, low: int, high: int) -> list:
    """Assertions that `x` is integer-valued and within `[low, high]`."""
    x = tf.convert_to_tensor(x)
    assertions = []
    if not x.dtype.is_integer:
        assertions.append(
            assert_util.assert_equal(
                x, tf.round(x), message="Sample is not integer-valued."
            )
        )
    return assertions + [
        assert_util.assert_greater_equal(
            x, tf.cast(low, x.dtype), message="Sample is outside [low, high]."
        ),
        assert_util.assert_less_equal(
            x, tf.cast(high, x.dtype), message="Sample is outside [low, high]."
        ),
    ]


class QuantizedCategorical(distribution.Distribution):
    """Independent categoricals over the integer values of each channel.

    Each of the `C` channels of a pixel takes one of the `L` values
    `low, low + 1, ..., high` (`high = low + L - 1`) with its own softmax. In
    an autoregressive image model, the network's channel masks make channel
    `c`'s logits depend on channels `< c` of the same pixel, so the product
    below is the chain rule; this class only sees the resulting logits.

    #### Mathematical details

    ```none
    p(x) = prod_c softmax(logits[c])[x_c - low],    x_c in {low, ..., high}
    ```

    Event shape `[C]`, batch shape `logits.shape[:-2]`; `log_prob` takes and
    `sample` returns values of the logits' float dtype.

    #### Examples

    ```python
    dist = QuantizedCategorical(logits=tf.zeros([4, 3, 256]))  # [batch, C, L]
    dist.log_prob(tf.fill([4, 3], 7.0))  # [4], each 3 * log(1/256)
    ```
    """

    def __init__(
        self,
        logits,
        low: int = 0,
        validate_args: bool = True,
        allow_nan_stats: bool = False,
        name: str = "QuantizedCategorical",
    ):
        """Builds the distribution.

        Args:
          logits: `[..., C, L]` float unnormalized log probabilities of the
            values `low, ..., low + L - 1` of each channel; `C` and `L` static.
          low: Python `int`, the smallest value.
          validate_args: check in `log_prob` that values are integers in
            `[low, high]`.
          allow_nan_stats: as in `tfd.Distribution`.
          name: name scope of the ops.

        Raises:
          ValueError: if `low` is not an integer, or `logits` has rank < 2 or
            unknown `C` or `L`.
        """
        parameters = dict(locals())
        if int(low) != low:
            raise ValueError(f"`low` must be an integer, got {low!r}.")
        with tf.name_scope(name) as name:
            dtype = dtype_util.common_dtype([logits], dtype_hint=tf.float32)
            self._logits = tensor_util.convert_nonref_to_tensor(
                logits, dtype=dtype, name="logits"
            )
            shape = self._logits.shape
            if shape.rank is not None and shape.rank < 2:
                raise ValueError(f"`logits` must have shape [..., C, L], got {shape}.")
            if shape.rank is None or shape[-1] is None or shape[-2] is None:
                raise ValueError(f"`logits` needs static C and L, got {shape}.")
            self._low = int(low)
            super().__init__(
                dtype=dtype,
                reparameterization_type=reparameterization.NOT_REPARAMETERIZED,
                validate_args=validate_args,
                allow_nan_stats=allow_nan_stats,
                parameters=parameters,
                name=name,
            )

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        return dict(logits=parameter_properties.ParameterProperties(event_ndims=2))

    @property
    def logits(self):
        """`[..., C, L]` unnormalized log probabilities."""
        return self._logits

    @property
    def low(self) -> int:
        """The smallest value."""
        return self._low

    @property
    def high(self) -> int:
        """The largest value, `low + L - 1`."""
        return self._low + self.num_levels - 1

    @property
    def num_channels(self) -> int:
        """`C`."""
        return int(self._logits.shape[-2])

    @property
    def num_levels(self) -> int:
        """`L`, the number of values of a channel."""
        return int(self._logits.shape[-1])

    def _batch_shape(self):
        return self._logits.shape[:-2]

    def _batch_shape_tensor(self):
        return ps.shape(self._logits)[:-2]

    def _event_shape(self):
        return tf.TensorShape([self.num_channels])

    def _event_shape_tensor(self):
        return tf.constant([self.num_channels], tf.int32)

    def channel_log_prob(self, x, name: str = "channel_log_prob") -> tf.Tensor:
        """Per-channel terms `log softmax(logits[c])[x_c - low]`, `[..., C]`.

        Values outside `[low, high]` get `-inf` (when `validate_args=False`).
        """
        x = tf.cast(x, self.dtype)
        with self._name_and_control_scope(name, x):
            return self._channel_log_prob(x)

    def _channel_log_prob(self, x):
        log_probs = tf.nn.log_softmax(self._logits, axis=-1)  # [..., C, L]
        index = tf.cast(x - self._low, tf.int32)  # [..., C]
        observed = tf.equal(index[..., tf.newaxis], tf.range(self.num_levels))
        # A masked sum rather than a gather: it broadcasts values and batch.
        picked = tf.reduce_sum(
            tf.where(observed, log_probs, tf.zeros([], self.dtype)), axis=-1
        )  # [..., C]
        in_support = (x >= self._low) & (x <= self.high)
        return tf.where(in_support, picked, tf.constant(-float("inf"), self.dtype))

    def _log_prob(self, x):
        x = tf.cast(x, self.dtype)
        return tf.reduce_sum(self._channel_log_prob(x), axis=-1)

    def conditional_log_pmf(self, x, channel: int) -> tf.Tensor:
        """`[..., L]` terms `log p(x_c = low + l | x_<c)` of channel `c` for
        every value: `log_softmax(logits[c])` (the logits already depend on
        the channels `< c` through the network; `x` is unused).

        The entropy coder's model for one sub-pixel (`pixeldist.compression`).
        """
        del x  # the coupling lives in the network, not in the law
        return tf.nn.log_softmax(self._logits[..., channel, :], axis=-1)

    def sample_from_noise(self, noise, name: str = "sample_from_noise") -> tf.Tensor:
        """Deterministic draw from uniforms `noise [..., C + 1]` in [0, 1).

        Channel `c` is `low + inverse_cdf_index(logits[c], noise[..., 1 + c])`;
        `noise[..., 0]` is unused, so that the layout matches
        `DiscretizedLogisticMixture.sample_from_noise`.

        Returns:
          `[..., C]` integer values of the distribution's dtype; the batch
          shape is the broadcast of `noise.shape[:-1]` and the batch shape.
        """
        with self._name_and_control_scope(name):
            noise = tf.cast(noise, self.dtype)
            index = inverse_cdf_index(self._logits, noise[..., 1:])  # [..., C]
            return tf.cast(index + self._low, self.dtype)

    def _sample_n(self, n, seed=None):
        shape = ps.concat(
            [[n], self._batch_shape_tensor(), [self.num_channels + 1]], axis=0
        )
        noise = samplers.uniform(
            shape, dtype=self.dtype, seed=samplers.sanitize_seed(seed)
        )
        return self.sample_from_noise(noise)

    def _sample_control_dependencies(self, x):
        if not self.validate_args:
            return []
        return integer_support_assertions(x, self._low, self.high)
