"""Weight normalization with data-dependent initialization (Salimans & Kingma 2016)."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="pixeldist")
class WeightNormalization(keras.layers.Layer):
    """Base class of weight-normalized linear layers, with data-dependent init.

    A subclass defines a linear map `A(x; K)` (a shifted convolution, a
    transposed convolution, a 1×1 convolution) by implementing
    `kernel_shape(input_shape)` and `apply_kernel(inputs, kernel)`, and sets
    `output_axis`, the kernel axis of the output features. This class owns the
    weights `kernel` (`v`), `g`, `bias` and the reparameterization, so every
    PixelCNN++ layer normalizes and initializes the same way.

    #### Mathematical details

    ```none
    K[..., o] = g[o] * v[..., o] / ||v[..., o]||     (norm over all other axes)
    y = A(x; K) + b
    ```

    `g` starts at `||v||` of the initial kernel, so before any data-dependent
    initialization the layer computes `A(x; v) + b` (as TFP's `WeightNorm`).

    With `use_data_init=True`, the first call with `training=True` (the first
    batch of `fit`) sets, from `t = A(x; v / ||v||)` on that batch and the
    mean `m[o]` and variance `s2[o]` of `t[..., o]` over all other axes,

    ```none
    g = init_scale / sqrt(s2 + eps),    b = -m * g
    ```

    so that the layer's outputs on that batch have mean 0 and standard
    deviation `init_scale` per feature (section 3 of [1]). That the
    initialization has run is a non-trainable boolean weight `initialized`:
    it is saved with the model, so a loaded model never re-initializes, and
    calls with `training` false or `None` (`log_prob`, `sample`) never
    initialize.

    Outside a `tf.distribute` strategy the initialization is a `tf.cond` on
    `initialized`: once it has run, a training step costs what an inference
    step costs. Under a strategy, a variable assignment that synchronizes
    replicas may not sit inside control flow, so there training calls compute
    the statistics and assign `where(initialized, current, from_data)` on
    every step, and the values of the first replica are kept
    (`aggregation="only_first_replica"`).

    Args:
      filters: number of output features.
      use_weight_norm: reparameterize the kernel as above; with `False` the
        layer is a plain linear layer `A(x; v) + b` (no `g`, no init).
      use_data_init: data-dependent initialization (needs `use_weight_norm`).
      init_scale: standard deviation of the outputs after initialization.
      kernel_initializer: initializer of `v`.

    #### References

    [1]: Tim Salimans and Diederik P. Kingma. Weight Normalization: A Simple
         Reparameterization to Accelerate Training of Deep Neural Networks.
         NeurIPS 2016. https://arxiv.org/abs/1602.07868
    """

    #: kernel axis of the output features (-2 for transposed convolutions).
    output_axis = -1
    #: added to the variance of the data-dependent initialization.
    epsilon = 1e-6

    def __init__(
        self,
        filters: int,
        use_weight_norm: bool = True,
        use_data_init: bool = True,
        init_scale: float = 1.0,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) != filters or filters < 1:
            raise ValueError(f"`filters` must be an integer >= 1, got {filters}.")
        if not init_scale > 0:
            raise ValueError(f"`init_scale` must be > 0, got {init_scale}.")
        self.filters = int(filters)
        self.use_weight_norm = bool(use_weight_norm)
        self.use_data_init = bool(use_data_init)
        self.init_scale = float(init_scale)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    # -- Hooks of the subclasses ---------------------------------------------

    def kernel_shape(self, input_shape) -> tuple[int, ...]:
        """Shape of `v` for inputs of `input_shape`."""
        raise NotImplementedError

    def apply_kernel(self, inputs, kernel):
        """The linear map `A(inputs; kernel)`, without the bias."""
        raise NotImplementedError

    # -- Weights ---------------------------------------------------------------

    def build(self, input_shape):
        shape = tuple(int(d) for d in self.kernel_shape(input_shape))
        # The reparameterization is computed in the variables' dtype (float32
        # under mixed precision, where the float16 norm of a wide kernel could
        # overflow); `kernel_value` casts the result.
        self.kernel = self.add_weight(
            name="kernel",
            shape=shape,
            initializer=self.kernel_initializer,
            autocast=False,
            aggregation="only_first_replica",
        )
        self.bias = self.add_weight(
            name="bias",
            shape=(self.filters,),
            initializer="zeros",
            autocast=False,
            aggregation="only_first_replica",
        )
        if not self.use_weight_norm:
            return
        v = ops.convert_to_tensor(self.kernel.value)
        initial_norm = ops.reshape(1.0 / self._inverse_norm(v), (self.filters,))
        self.g = self.add_weight(
            name="g",
            shape=(self.filters,),
            initializer=lambda shape, dtype=None: ops.cast(initial_norm, dtype),
            autocast=False,
            aggregation="only_first_replica",
        )
        if self.use_data_init:
            self.initialized = self.add_weight(
                name="initialized",
                shape=(),
                dtype="bool",
                initializer="zeros",
                trainable=False,
                aggregation="only_first_replica",
            )

    def _inverse_norm(self, v):
        """`1 / ||v[..., o]||`, shaped to broadcast against `v`."""
        rank = len(v.shape)
        axes = [a for a in range(rank) if a != self.output_axis % rank]
        return ops.rsqrt(ops.sum(ops.square(v), axis=axes, keepdims=True))

    def _along_output_axis(self, vector, rank: int):
        """`vector [filters]` reshaped to broadcast along the kernel's output axis."""
        shape = [1] * rank
        shape[self.output_axis % rank] = self.filters
        return ops.reshape(vector, shape)

    def kernel_value(self):
        """The effective kernel `g v / ||v||` (or `v`), in the compute dtype."""
        v = ops.convert_to_tensor(self.kernel.value)
        if self.use_weight_norm:
            g = self._along_output_axis(self.g.value, len(v.shape))
            v = v * (g * self._inverse_norm(v))
        return ops.cast(v, self.compute_dtype)

    # -- Forward pass ----------------------------------------------------------

    def call(self, inputs, training=None):
        if training and self.use_weight_norm and self.use_data_init:
            if tf.distribute.has_strategy():
                return self._call_with_data_init(inputs)
            # Ordered before the reads below (automatic control dependencies).
            tf.cond(
                self.initialized.value,
                lambda: tf.constant(False),
                lambda: self._initialize_from(inputs),
            )
        outputs = self.apply_kernel(inputs, self.kernel_value())
        return outputs + ops.cast(self.bias.value, self.compute_dtype)

    def _data_init_values(self, inputs):
        """`(t, g_init [F], b_init [F])` from a batch, `t = A(x; v / ||v||)`."""
        v = ops.convert_to_tensor(self.kernel.value)
        unit = ops.cast(v * self._inverse_norm(v), self.compute_dtype)
        t = self.apply_kernel(inputs, unit)  # [..., F]
        # Statistics in the variables' dtype (float32 under mixed precision).
        t_var = ops.cast(t, self.g.dtype)
        axes = list(range(len(t.shape) - 1))
        mean = ops.mean(t_var, axis=axes)  # [F]
        variance = ops.mean(ops.square(t_var - mean), axis=axes)  # [F]
        g_init = self.init_scale * ops.rsqrt(variance + self.epsilon)
        return t, g_init, -mean * g_init

    def _initialize_from(self, inputs):
        """Sets `g` and `b` from the batch `inputs` and marks the layer initialized."""
        _, g_init, b_init = self._data_init_values(inputs)
        self.g.assign(g_init)
        self.bias.assign(b_init)
        self.initialized.assign(True)
        return tf.constant(True)

    def _call_with_data_init(self, inputs):
        """`A(x; v / ||v||) g + b`, after setting `g` and `b` from this batch once.

        The same function as the plain call (the per-feature scale `g` commutes
        with the linear map), written so that `t = A(x; v / ||v||)` is at hand
        for the statistics without a second convolution or a `tf.cond` (for
        `tf.distribute` strategies: see the class docstring).
        """
        t, g_init, b_init = self._data_init_values(inputs)
        initialized = self.initialized.value
        self.g.assign(ops.where(initialized, self.g.value, g_init))
        self.bias.assign(ops.where(initialized, self.bias.value, b_init))
        self.initialized.assign(True)
        # Read after the assignments (ordered in graphs by automatic control
        # dependencies): the first batch already sees the initialized layer,
        # and its gradient reaches `g` and `b`.
        g = ops.cast(self.g.value, self.compute_dtype)
        return t * g + ops.cast(self.bias.value, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            use_weight_norm=self.use_weight_norm,
            use_data_init=self.use_data_init,
            init_scale=self.init_scale,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
        )
        return config
