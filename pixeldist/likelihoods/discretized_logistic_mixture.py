"""The discretized logistic mixture of PixelCNN++, exact in log space."""

from __future__ import annotations

import functools

import tensorflow as tf
from tensorflow_probability.python.bijectors import softplus as softplus_bijector
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

from pixeldist.likelihoods.log_space import log1mexp
from pixeldist.likelihoods.quantized_categorical import (
    integer_support_assertions,
    inverse_cdf_index,
)


def discretized_logistic_log_pmf(
    x: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor, low: int, high: int
) -> tf.Tensor:
    """Exact log probability of integer `x` under a discretized logistic.

    #### Mathematical details

    A logistic with location `mu` and scale `s` is rounded to integer bins of
    width 1, bin `v` covering `[v - 1/2, v + 1/2]`; the tails below `low + 1/2`
    and above `high - 1/2` are folded onto `low` and `high`. With
    `a = (v - 1/2 - mu) / s` and `b = (v + 1/2 - mu) / s`:

    ```none
    log p(low)  = log_sigmoid(b)
    log p(high) = log_sigmoid(-a)
    log p(v)    = log(sigmoid(b) - sigmoid(a))
                = log_sigmoid(b) + log_sigmoid(-a) + log1mexp(-1 / s)
    ```

    The last line is the identity `sigmoid(b) - sigmoid(a) = sigmoid(b) *
    sigmoid(-a) * (1 - exp(a - b))` with `b - a = 1 / s`. Every term is
    finite and <= 0 for any finite `mu` and `s > 0`, so unlike the difference
    of sigmoids it needs no fallback for tiny bins, and its gradient is
    finite everywhere. Values outside `[low, high]` get `-inf`.

    Args:
      x: integer-valued float `Tensor`.
      loc: location `mu`, broadcasting with `x`.
      scale: scale `s > 0`, broadcasting with `x`.
      low: Python `int`, smallest value.
      high: Python `int`, largest value, `> low`.

    Returns:
      `Tensor` of the broadcast shape.
    """
    dtype = dtype_util.common_dtype([x, loc, scale], dtype_hint=tf.float32)
    x, loc, scale = (tf.convert_to_tensor(t, dtype) for t in (x, loc, scale))
    a = (x - 0.5 - loc) / scale
    b = (x + 0.5 - loc) / scale
    interior = tf.math.log_sigmoid(b) + tf.math.log_sigmoid(-a) + log1mexp(-1 / scale)
    log_pmf = tf.where(
        x <= low,
        tf.math.log_sigmoid(b),
        tf.where(x >= high, tf.math.log_sigmoid(-a), interior),
    )
    in_support = (x >= low) & (x <= high)
    return tf.where(in_support, log_pmf, tf.constant(-float("inf"), log_pmf.dtype))


def coupled_location(c: int, locs, coeffs, centred_below) -> tf.Tensor:
    """Location of channel `c` shifted by the channels before it.

    `locs[..., c] + sum_{j<c} coeffs[..., c(c-1)/2 + j] * centred_below[j]`,
    the coefficient pairs being ordered (1, 0), (2, 0), (2, 1), ...

    Args:
      c: Python `int` channel index.
      locs: `[..., C]` locations.
      coeffs: `[..., C(C-1)/2]` coupling coefficients, or `None` for zeros.
      centred_below: list of `c` tensors `x_j - (low + high) / 2`, each
        broadcasting with `locs[..., c]`.

    Returns:
      `Tensor` `[...]`.
    """
    loc = locs[..., c]
    if coeffs is None:
        return loc
    for j in range(c):
        loc = loc + coeffs[..., c * (c - 1) // 2 + j] * centred_below[j]
    return loc


class DiscretizedLogisticMixture(distribution.Distribution):
    """Mixture of discretized logistics over the channels of one pixel.

    The likelihood of PixelCNN++ (Salimans et al., 2017): `K` components,
    each a product over the `C` channels of discretized logistics whose
    locations depend linearly on the channels already seen, so that the
    channels of a pixel are correlated through one shared component.

    #### Mathematical details

    With `pi = softmax(logits)`, `m = (low + high) / 2` and `DL` the
    discretized logistic of `discretized_logistic_log_pmf`:

    ```none
    mu_kc  = locs[k, c] + sum_{j<c} coeffs[k, c(c-1)/2 + j] * (x_j - m)
    p(x)   = sum_k pi_k prod_c DL(x_c; mu_kc, scales[k, c], low, high)
    ```

    Coefficient pairs are ordered (G<-R), (B<-R), (B<-G) for RGB. All
    parameters are in pixel units; `scales` is the scale itself (> 0).
    Event shape `[C]`; batch shape is the broadcast of `logits.shape[:-1]`,
    `locs.shape[:-2]`, `scales.shape[:-2]` and `coeffs.shape[:-2]`.

    #### Examples

    ```python
    dist = DiscretizedLogisticMixture(
        logits=tf.zeros([8, 5]),                     # [batch, K]
        locs=tf.fill([8, 5, 3], 127.5),              # [batch, K, C]
        scales=tf.fill([8, 5, 3], 20.0),             # [batch, K, C]
        coeffs=tf.zeros([8, 5, 3]),                  # [batch, K, C(C-1)/2]
    )
    dist.log_prob(tf.fill([8, 3], 100.0))            # [8]
    dist.sample(2, seed=(1, 2))                      # [2, 8, 3]
    ```

    #### References

    [1] Tim Salimans, Andrej Karpathy, Xi Chen, Diederik P. Kingma.
        PixelCNN++: Improving the PixelCNN with Discretized Logistic Mixture
        Likelihood and Other Modifications. ICLR 2017.
        https://arxiv.org/abs/1701.05517
    """

    def __init__(
        self,
        logits,
        locs,
        scales,
        coeffs=None,
        low: int = 0,
        high: int = 255,
        validate_args: bool = True,
        allow_nan_stats: bool = False,
        name: str = "DiscretizedLogisticMixture",
    ):
        """Builds the distribution.

        Args:
          logits: `[..., K]` unnormalized log mixture weights.
          locs: `[..., K, C]` locations, in pixel units; `C` static.
          scales: `[..., K, C]` positive scales, in pixel units.
          coeffs: `[..., K, C(C-1)/2]` channel coupling coefficients, or
            `None` for no coupling.
          low: Python `int`, the smallest value.
          high: Python `int`, the largest value, `> low`.
          validate_args: check `scales > 0` and, in `log_prob`, that values
            are integers in `[low, high]`.
          allow_nan_stats: as in `tfd.Distribution`.
          name: name scope of the ops.

        Raises:
          ValueError: if `low`/`high` are not integers with `high > low`, or
            the static shapes of the parameters disagree on `K` or `C`.
        """
        parameters = dict(locals())
        if int(low) != low or int(high) != high or not high > low:
            raise ValueError(f"Need integers `high > low`, got {low!r}, {high!r}.")
        with tf.name_scope(name) as name:
            dtype = dtype_util.common_dtype(
                [logits, locs, scales, coeffs], dtype_hint=tf.float32
            )
            convert = functools.partial(
                tensor_util.convert_nonref_to_tensor, dtype=dtype
            )
            self._logits = convert(logits, name="logits")
            self._locs = convert(locs, name="locs")
            self._scales = convert(scales, name="scales")
            self._coeffs = None if coeffs is None else convert(coeffs, name="coeffs")
            self._low = int(low)
            self._high = int(high)
            _check_static_shapes(self._logits, self._locs, self._scales, self._coeffs)
            self._batch_shape()  # Raises ValueError if batch shapes clash.
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
        return dict(
            logits=parameter_properties.ParameterProperties(event_ndims=1),
            locs=parameter_properties.ParameterProperties(event_ndims=2),
            scales=parameter_properties.ParameterProperties(
                event_ndims=2,
                default_constraining_bijector_fn=(
                    lambda: softplus_bijector.Softplus(low=dtype_util.eps(dtype))
                ),
            ),
            coeffs=parameter_properties.ParameterProperties(event_ndims=2),
        )

    @property
    def logits(self):
        """`[..., K]` unnormalized log mixture weights."""
        return self._logits

    @property
    def locs(self):
        """`[..., K, C]` locations."""
        return self._locs

    @property
    def scales(self):
        """`[..., K, C]` scales."""
        return self._scales

    @property
    def coeffs(self):
        """`[..., K, C(C-1)/2]` coupling coefficients, or `None` (zeros)."""
        return self._coeffs

    @property
    def low(self) -> int:
        """The smallest value."""
        return self._low

    @property
    def high(self) -> int:
        """The largest value."""
        return self._high

    @property
    def num_components(self):
        """`K`."""
        return tf.compat.dimension_value(self._logits.shape[-1])

    @property
    def num_channels(self) -> int:
        """`C`."""
        return int(self._locs.shape[-1])

    def _params_and_event_ndims(self):
        params = [
            (self._logits, 1),
            (self._locs, 2),
            (self._scales, 2),
            (self._coeffs, 2),
        ]
        return [(p, n) for p, n in params if p is not None]

    def _batch_shape(self):
        shapes = [p.shape[:-n] for p, n in self._params_and_event_ndims()]
        return functools.reduce(tf.broadcast_static_shape, shapes)

    def _batch_shape_tensor(self):
        shapes = [ps.shape(p)[:-n] for p, n in self._params_and_event_ndims()]
        return functools.reduce(ps.broadcast_shape, shapes)

    def _event_shape(self):
        return tf.TensorShape([self.num_channels])

    def _event_shape_tensor(self):
        return tf.constant([self.num_channels], tf.int32)

    def _component_log_pmf(self, x):
        """`[..., K, C]` terms `log p_k(x_c | x_<c)` for `x [..., C]`."""
        x = x[..., tf.newaxis, :]  # [..., 1, C]
        centred = x - (self._low + self._high) / 2
        log_pmfs = []
        for c in range(self.num_channels):
            loc = coupled_location(
                c, self._locs, self._coeffs, [centred[..., j] for j in range(c)]
            )  # [..., K]
            log_pmfs.append(
                discretized_logistic_log_pmf(
                    x[..., c], loc, self._scales[..., c], self._low, self._high
                )
            )
        return tf.stack(log_pmfs, axis=-1)

    def _log_prob(self, x):
        x = tf.cast(x, self.dtype)
        log_weights = tf.nn.log_softmax(self._logits, axis=-1)  # [..., K]
        log_pmf = tf.reduce_sum(self._component_log_pmf(x), axis=-1)  # [..., K]
        return tf.reduce_logsumexp(log_weights + log_pmf, axis=-1)

    def channel_log_prob(self, x, name: str = "channel_log_prob") -> tf.Tensor:
        """Chain-rule terms `log p(x_c | x_<c)` within the pixel, `[..., C]`.

        #### Mathematical details

        ```none
        L_c = logsumexp_k(log pi_k + sum_{j<=c} log p_k(x_j | x_<j)),  L_-1 = 0
        log p(x_c | x_<c) = L_c - L_{c-1}
        ```

        so the terms sum to `log_prob(x)`.
        """
        x = tf.cast(x, self.dtype)
        with self._name_and_control_scope(name, x):
            log_weights = tf.nn.log_softmax(self._logits, axis=-1)  # [..., K]
            prefix = tf.math.cumsum(self._component_log_pmf(x), axis=-1)  # [..., K, C]
            joint = tf.reduce_logsumexp(
                log_weights[..., tf.newaxis] + prefix, axis=-2
            )  # [..., C]
            previous = tf.concat([tf.zeros_like(joint[..., :1]), joint[..., :-1]], -1)
            return joint - previous

    def conditional_log_pmf(self, x, channel: int) -> tf.Tensor:
        """`[..., L]` terms `log p(x_c = v | x_<c)` of channel `c` for every
        value `v` in `[low, high]`, given the channels `j < c` of `x [..., C]`
        (the later channels are ignored).

        The entropy coder's model for one sub-pixel (`pixeldist.compression`).

        #### Mathematical details

        The component is shared by the channels of a pixel, so the earlier
        channels reweight it by Bayes' rule:

        ```none
        log w_k = log pi_k + sum_{j<c} log p_k(x_j | x_<j) - (normaliser)
        log p(x_c = v | x_<c) = logsumexp_k(log w_k + log p_k(v | x_<c))
        ```

        Exact, in log space: the `L` terms sum to 1 and the product of the
        chosen terms over `c` is `exp(log_prob(x))`.
        """
        x = tf.cast(x, self.dtype)
        log_weights = tf.nn.log_softmax(self._logits, axis=-1)  # [..., K]
        if channel > 0:
            earlier = self._component_log_pmf(x)[..., :channel]  # [..., K, c]
            log_weights = tf.nn.log_softmax(
                log_weights + tf.reduce_sum(earlier, axis=-1), axis=-1
            )  # posterior [..., K]
        centre = (self._low + self._high) / 2
        loc = coupled_location(
            channel,
            self._locs,
            self._coeffs,
            [x[..., j, tf.newaxis] - centre for j in range(channel)],
        )  # [..., K]
        values = tf.range(self._low, self._high + 1, dtype=self.dtype)  # [L]
        log_pmf = discretized_logistic_log_pmf(
            values,
            loc[..., tf.newaxis],
            self._scales[..., channel, tf.newaxis],
            self._low,
            self._high,
        )  # [..., K, L]
        return tf.reduce_logsumexp(log_weights[..., tf.newaxis] + log_pmf, axis=-2)

    def sample_from_noise(self, noise, name: str = "sample_from_noise") -> tf.Tensor:
        """Deterministic draw from uniforms `noise [..., C + 1]` in [0, 1).

        `noise[..., 0]` picks the component by inverse CDF of
        `softmax(logits)`; channel `c` is then, with the channels `j < c`
        already drawn in the coupling,

        ```none
        y   = mu_kc + s_kc * (log u - log1p(-u)),   u = noise[..., 1 + c]
        x_c = clip(floor(y + 1/2), low, high)
        ```

        so that `x_c = v` exactly when `y` falls in bin `[v - 1/2, v + 1/2)`.

        Returns:
          `[..., C]` integer values of the distribution's dtype; the batch
          shape is the broadcast of `noise.shape[:-1]` and the batch shape.
        """
        with self._name_and_control_scope(name):
            noise = tf.cast(noise, self.dtype)
            component = inverse_cdf_index(self._logits, noise[..., 0])  # [...]
            chosen = tf.one_hot(
                component, ps.shape(self._logits)[-1], dtype=self.dtype
            )[..., tf.newaxis]  # [..., K, 1]

            def pick(param):  # [..., K, D] -> [..., D]
                return tf.reduce_sum(chosen * param, axis=-2)

            locs, scales = pick(self._locs), pick(self._scales)  # [..., C]
            coeffs = None if self._coeffs is None else pick(self._coeffs)
            centre = (self._low + self._high) / 2
            values = []
            for c in range(self.num_channels):
                loc = coupled_location(c, locs, coeffs, [v - centre for v in values])
                u = noise[..., 1 + c]
                y = loc + scales[..., c] * (tf.math.log(u) - tf.math.log1p(-u))
                values.append(
                    tf.clip_by_value(tf.floor(y + 0.5), self._low, self._high)
                )
            return tf.stack(values, axis=-1)

    def _sample_n(self, n, seed=None):
        shape = ps.concat(
            [[n], self._batch_shape_tensor(), [self.num_channels + 1]], axis=0
        )
        noise = samplers.uniform(
            shape, dtype=self.dtype, seed=samplers.sanitize_seed(seed)
        )
        return self.sample_from_noise(noise)

    def _parameter_control_dependencies(self, is_init):
        params = self._params_and_event_ndims()
        if is_init:
            dtype_util.assert_same_float_dtype([p for p, _ in params])
        if not self.validate_args:
            return []
        assertions = []
        if is_init:
            # Static K was checked at construction; this catches dynamic K.
            num_components = ps.shape(self._logits)[-1]
            for param, _ in params[1:]:
                assertions.append(
                    assert_util.assert_equal(
                        ps.shape(param)[-2],
                        num_components,
                        message="Parameters disagree on the number of components K.",
                    )
                )
        if is_init != tensor_util.is_ref(self._scales):
            assertions.append(
                assert_util.assert_positive(
                    self._scales, message="Argument `scales` must be positive."
                )
            )
        return assertions

    def _sample_control_dependencies(self, x):
        if not self.validate_args:
            return []
        return integer_support_assertions(x, self._low, self._high)


def _check_static_shapes(logits, locs, scales, coeffs):
    """Raises `ValueError` if the parameters disagree on `K` or `C`."""
    for param, name, rank in [
        (logits, "logits", 1),
        (locs, "locs", 2),
        (scales, "scales", 2),
        (coeffs, "coeffs", 2),
    ]:
        if param is not None and param.shape.rank is not None:
            if param.shape.rank < rank:
                raise ValueError(f"`{name}` needs rank >= {rank}, got {param.shape}.")
    num_channels = tf.compat.dimension_value(locs.shape[-1])
    if num_channels is None:
        raise ValueError(f"`locs` needs a static number of channels, got {locs.shape}.")
    expected = {
        "number of components K": [
            logits.shape[-1],
            locs.shape[-2],
            scales.shape[-2],
            None if coeffs is None else coeffs.shape[-2],
        ],
        "number of channels C": [locs.shape[-1], scales.shape[-1]],
    }
    if coeffs is not None:
        pairs = num_channels * (num_channels - 1) // 2
        expected["number of coupling pairs C(C-1)/2"] = [pairs, coeffs.shape[-1]]
    for what, dims in expected.items():
        known = {tf.compat.dimension_value(d) for d in dims} - {None}
        if len(known) > 1:
            raise ValueError(
                f"Parameters disagree on the {what}: logits {logits.shape}, "
                f"locs {locs.shape}, scales {scales.shape}, coeffs "
                f"{None if coeffs is None else coeffs.shape}."
            )
