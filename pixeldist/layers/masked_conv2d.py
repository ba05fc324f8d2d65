"""Masked 2-D convolution (van den Oord et al. 2016)."""

from __future__ import annotations

import keras
from keras import ops

from pixeldist.layers.causal_mask import causal_conv_mask


@keras.saving.register_keras_serializable(package="pixeldist")
class MaskedConv2D(keras.layers.Layer):
    """A 'same'-padded convolution whose kernel is masked in the forward pass.

    The kernel is multiplied by the raster-order mask of
    `causal_conv_mask` on every call, so the layer is causal for any weights:
    freshly initialised, perturbed, or loaded from a file (unlike a kernel
    constraint, which only acts at optimizer steps).

    Args:
      filters: number of output features.
      kernel_size: odd int or pair of odd ints.
      mask_type: "A" (first layer, excludes the current pixel's own value) or
        "B" (later layers).
      num_channel_groups: 1, or the number of image channels C when features
        are split into R/G/B groups (categorical likelihood on colour images).
      use_bias, kernel_initializer, bias_initializer: as in `keras.layers.Conv2D`.

    Shapes: `[batch, H, W, in_channels] -> [batch, H, W, filters]`.
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        mask_type: str = "B",
        num_channel_groups: int = 1,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        if mask_type not in ("A", "B"):
            raise ValueError(f"`mask_type` must be 'A' or 'B', got {mask_type!r}.")
        if num_channel_groups < 1:
            raise ValueError(
                f"`num_channel_groups` must be >= 1, got {num_channel_groups}."
            )
        self.filters = int(filters)
        self.kernel_size = tuple(int(k) for k in kernel_size)
        self.mask_type = mask_type
        self.num_channel_groups = int(num_channel_groups)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        in_channels = int(input_shape[-1])
        self.mask = causal_conv_mask(
            self.kernel_size,
            in_channels,
            self.filters,
            self.mask_type,
            self.num_channel_groups,
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (in_channels, self.filters),
            initializer=self.kernel_initializer,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer
            )

    def call(self, inputs):
        # Masking here, not with a constraint, keeps every forward pass causal.
        kernel = self.kernel * ops.cast(self.mask, self.compute_dtype)
        outputs = ops.conv(inputs, kernel, strides=1, padding="same")
        if self.use_bias:
            outputs = outputs + self.bias
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            mask_type=self.mask_type,
            num_channel_groups=self.num_channel_groups,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config
