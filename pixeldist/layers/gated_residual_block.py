"""The gated residual block of PixelCNN++ (`gated_resnet`)."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from pixeldist.layers.cached_step import CachedStep, new_cache, term_at, write_cache
from pixeldist.layers.concat_elu import ConcatELU
from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.network_in_network import NetworkInNetwork
from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.layers.step_input import StepInput
from pixeldist.layers.step_schedule import Schedule


def check_activation(activation, arg_name: str = "activation") -> str:
    """`activation` if it is "concat_elu" or the name of a Keras activation."""
    valid = isinstance(activation, str)
    if valid and activation != "concat_elu":
        try:
            keras.activations.get(activation)
        except (ValueError, TypeError):
            valid = False
    if not valid:
        raise ValueError(
            f"`{arg_name}` must be 'concat_elu' or the name of a Keras activation "
            f"such as 'elu' or 'relu', got {activation!r}."
        )
    return activation


@keras.saving.register_keras_serializable(package="pixeldist")
class GatedResidualBlock(keras.layers.Layer, CachedStep):
    """A residual block with a sigmoid gate, on one stream of PixelCNN++.

    Both convolutions are `ShiftedConv2D`s of one `direction` ("down" on the
    vertical stream u, "down_right" on the horizontal stream ul), so the block
    keeps the causality of its input. The auxiliary input (the other stream,
    or the skip connections of the U-Net) enters through a 1×1
    `NetworkInNetwork`, and the condition `h` through a `ConditionalBias`.

    #### Mathematical details

    With activation `f` (`concat_elu` doubles the features), `F` features:

    ```none
    c = conv_in(f(x)) + nin(f(aux))                  # [N, H, W, F]
    [a, b] = conv_out(dropout(f(c))) + V h           # [N, H, W, 2F]
    y = x + a * sigmoid(b)                           # [N, H, W, F]
    ```

    `conv_out` starts with `init_scale=0.1`, so a fresh block after the
    data-dependent initialization is close to the identity.

    The cached step keeps its own caches of `f(x)` and `f(c)` (zero outside
    the image, whatever `f(0)` is), writes the step's position (row) into
    them and reads the convolutions' windows: two matmuls at a position.
    A "down" block reads its own row to the right, so its inputs must be
    known a row at a time (the vertical stream); dropout is off (inference).

    Args:
      direction: "down" or "down_right".
      kernel_size: of both convolutions; default `(2, 3)` or `(2, 2)`.
      dropout_p: dropout rate after the second activation (training only).
      activation: "concat_elu" or a Keras activation name ("elu", "relu").
      use_weight_norm, use_data_init: see `WeightNormalization`.
      num_classes: with a condition, the number of classes of integer labels
        (`None` for a float condition `[N, d]`).

    Call arguments: `x [N, H, W, F]`, `auxiliary [N, H, W, A]` (optional),
    `condition` `[N]` labels or `[N, d]` (optional), `training`.
    Output: `[N, H, W, F]`.

    #### References

    [1]: Tim Salimans et al. PixelCNN++. ICLR 2017, section 2.4 and
         `gated_resnet` of https://github.com/openai/pixel-cnn.
         https://arxiv.org/abs/1701.05517
    [2]: Aaron van den Oord et al. Conditional Image Generation with PixelCNN
         Decoders. NeurIPS 2016 (the gate). https://arxiv.org/abs/1606.05328
    """

    def __init__(
        self,
        direction: str = "down",
        kernel_size=None,
        dropout_p: float = 0.0,
        activation: str = "concat_elu",
        use_weight_norm: bool = True,
        use_data_init: bool = True,
        num_classes: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not 0.0 <= dropout_p < 1.0:
            raise ValueError(f"`dropout_p` must be in [0, 1), got {dropout_p}.")
        self.direction = direction
        self.kernel_size = None if kernel_size is None else tuple(kernel_size)
        self.dropout_p = float(dropout_p)
        self.activation = check_activation(activation)
        self.use_weight_norm = bool(use_weight_norm)
        self.use_data_init = bool(use_data_init)
        self.num_classes = None if num_classes is None else int(num_classes)

    def build(self, x_shape, auxiliary_shape=None, condition_shape=None):
        filters = int(x_shape[-1])
        widen = 2 if self.activation == "concat_elu" else 1
        common = dict(
            use_weight_norm=self.use_weight_norm,
            use_data_init=self.use_data_init,
            dtype=self.dtype_policy,
        )
        if self.activation == "concat_elu":
            self.activation_layer = ConcatELU(dtype=self.dtype_policy)
        else:
            self.activation_layer = keras.layers.Activation(
                self.activation, dtype=self.dtype_policy
            )
        self.activation_layer.build(x_shape)
        widened = (*x_shape[:-1], widen * filters)
        self.conv_in = ShiftedConv2D(
            filters, self.kernel_size, self.direction, name="conv_in", **common
        )
        self.conv_in.build(widened)
        self.auxiliary_projection = None
        if auxiliary_shape is not None:
            self.auxiliary_projection = NetworkInNetwork(
                filters, name="auxiliary_projection", **common
            )
            self.auxiliary_projection.build(
                (*auxiliary_shape[:-1], widen * int(auxiliary_shape[-1]))
            )
        self.dropout = None
        if self.dropout_p > 0:
            self.dropout = keras.layers.Dropout(self.dropout_p, dtype=self.dtype_policy)
            self.dropout.build(widened)
        self.conv_out = ShiftedConv2D(
            2 * filters,
            self.kernel_size,
            self.direction,
            init_scale=0.1,
            name="conv_out",
            **common,
        )
        self.conv_out.build(widened)
        self.conditional_bias = None
        if condition_shape is not None:
            self.conditional_bias = ConditionalBias(
                2 * filters, self.num_classes, dtype=self.dtype_policy
            )
            self.conditional_bias.build(condition_shape)

    def call(self, x, auxiliary=None, condition=None, training=None):
        c = self.conv_in(self.activation_layer(x), training=training)  # [N, H, W, F]
        if self.auxiliary_projection is not None:
            c = c + self.auxiliary_projection(
                self.activation_layer(auxiliary), training=training
            )
        c = self.activation_layer(c)
        if self.dropout is not None:
            c = self.dropout(c, training=training)
        c = self.conv_out(c, training=training)  # [N, H, W, 2F]
        if self.conditional_bias is not None:
            c = c + self.conditional_bias(condition)  # + [N, 1, 1, 2F]
        a, b = ops.split(c, 2, axis=-1)
        return x + a * ops.sigmoid(b)

    # -- Cached steps (see `CachedStep`) -----------------------------------------

    def plan_steps(self, x, auxiliary=None, condition=None):
        inputs = [x] if auxiliary is None else [x, auxiliary]
        return self.conv_in.window.schedule(
            Schedule.latest(
                *(getattr(i, "schedule", Schedule.CONSTANT) for i in inputs)
            )
        )

    def prepare_steps(self, x, auxiliary=None, condition=None):
        constants = {
            "activated": self.conv_in.prepare_steps(),  # reads f(x)
            "hidden": self.conv_out.prepare_steps(),  # reads f(c)
        }
        if self.auxiliary_projection is not None:
            constants["auxiliary"] = self.auxiliary_projection.prepare_steps()
        if self.conditional_bias is not None:
            # [N, 1, 1, 2F], or [N, H, W, 2F] for a condition map
            constants["condition"] = self.conditional_bias(condition)
        return constants

    def initial_step_state(self, batch_size, x, auxiliary=None, condition=None):
        widen = 2 if self.activation == "concat_elu" else 1
        shape = (*x.shape[:2], widen * x.shape[2])
        padding = self.conv_in.window.cache_padding
        return {
            key: new_cache(
                batch_size, shape, padding, self.compute_dtype, layer.window.rows_back
            )
            for key, layer in (("activated", self.conv_in), ("hidden", self.conv_out))
        }

    def row_step(self, constants, state, row, x, auxiliary=None, condition=None):
        if self.plan_steps(x, auxiliary) != Schedule.ROW:
            return None, state
        return self._step(constants, state, row, None, x, auxiliary)

    def position_step(
        self, constants, state, row, col, x, auxiliary=None, condition=None
    ):
        return self._step(constants, state, row, col, x, auxiliary)

    def _step(self, constants, state, row, col, x, auxiliary):
        """The block at `(row, col)`, `[N, F]`, or at row `row` (`col` None),
        `[N, W, F]`: each convolution's input is written into the block's own
        cache, then the convolution steps over that cache."""
        padding = self.conv_in.window.cache_padding
        state = dict(state)

        def conv(layer, key, value):
            state[key] = write_cache(state[key], padding, value, row, col, x.shape[0])
            cache = StepInput(
                x.schedule,
                x.shape,
                x.dtype,
                value=value,  # what a 1×1 kernel reads
                cache=state[key],
                padding=padding,
            )
            if col is None:
                return layer.row_step(constants[key], (), row, cache)[0]
            return layer.position_step(constants[key], (), row, col, cache)[0]

        c = conv(self.conv_in, "activated", self.activation_layer(x.value))
        if auxiliary is not None:
            c = (
                c
                + self.auxiliary_projection.position_step(
                    constants["auxiliary"],
                    (),
                    row,
                    col,
                    StepInput(
                        None, (), None, value=self.activation_layer(auxiliary.value)
                    ),
                )[0]
            )
        c = conv(self.conv_out, "hidden", self.activation_layer(c))  # [..., 2F]
        if "condition" in constants:
            c = c + tf.cast(term_at(constants["condition"], row, col), c.dtype)
        a, b = tf.split(c, 2, axis=-1)
        return x.value + a * tf.sigmoid(b), state

    def compute_output_shape(self, x_shape, auxiliary_shape=None, condition_shape=None):
        return tuple(x_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            direction=self.direction,
            kernel_size=self.kernel_size,
            dropout_p=self.dropout_p,
            activation=self.activation,
            use_weight_norm=self.use_weight_norm,
            use_data_init=self.use_data_init,
            num_classes=self.num_classes,
        )
        return config
