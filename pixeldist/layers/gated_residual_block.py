"""The gated residual block of PixelCNN++ (`gated_resnet`)."""

from __future__ import annotations

import keras
from keras import ops

from pixeldist.layers.concat_elu import ConcatELU
from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.network_in_network import NetworkInNetwork
from pixeldist.layers.shifted_conv2d import ShiftedConv2D


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
class GatedResidualBlock(keras.layers.Layer):
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
