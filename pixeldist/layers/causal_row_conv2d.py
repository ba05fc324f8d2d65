"""Convolution along the row up to the current pixel: the horizontal stack."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from pixeldist.layers.causal_mask import causal_conv_mask


def _causal_row_mask(
    width: int,
    in_channels: int,
    out_channels: int,
    mask_type: str,
    num_channel_groups: int = 1,
    num_output_blocks: int = 1,
) -> np.ndarray:
    """Mask `[1, width, in_channels, out_channels]` of a `CausalRowConv2D`.

    Columns `0 .. width - 2` (the pixels to the left) are open; the last column
    (the current pixel) carries the channel-group mask of `causal_conv_mask`
    (mask A: input group < output group; B: <=). The outputs are
    `num_output_blocks` consecutive blocks grouped alike, so that the f and g
    halves of a fused gate see the same channels.
    """
    # The left half (with the centre) of the raster mask of a 1 × (2w - 1) kernel.
    mask = causal_conv_mask(
        (1, 2 * width - 1),
        in_channels,
        out_channels // num_output_blocks,
        mask_type,
        num_channel_groups,
    )[:, :width]  # [1, w, C_in, C_out / blocks]
    return np.concatenate([mask] * num_output_blocks, axis=-1)


@keras.saving.register_keras_serializable(package="pixeldist")
class CausalRowConv2D(keras.layers.Layer):
    """A `1 × width` convolution reading the current row up to the current pixel.

    Output position (i, j) reads input columns `j - width + 1 .. j` of row i
    (zero padding on the left). The kernel column of the current pixel is
    masked in the forward pass by the raster-order channel-group mask: with
    mask "A" (first layer, reading the image) output group g sees the input
    groups < g of the pixel, with mask "B" the groups <= g; with one group,
    mask A removes the current pixel entirely. So the layer is causal for any
    weights.

    #### Mathematical details

    ```none
    y[n, i, j, o] = b[o] + sum_{d < width, c}
        (M * K)[0, d, c, o] * x[n, i, j - width + 1 + d, c]
    ```

    with the mask `M = _causal_row_mask(...)`.

    Args:
      filters: number of output features.
      width: kernel width (columns up to and including the current one), >= 1.
      mask_type: "A" or "B".
      num_channel_groups: 1, or C when features are split into R/G/B groups.
      num_output_blocks: the outputs are this many consecutive blocks, each
        split into the channel groups alike (2 for the fused `[f | g]` halves
        of a gated activation).
      use_bias, kernel_initializer, bias_initializer: as in `keras.layers.Conv2D`.

    Shapes: `[batch, H, W, in_channels] -> [batch, H, W, filters]`.

    #### References

    [1]: Aaron van den Oord et al. Conditional Image Generation with PixelCNN
         Decoders. NeurIPS 2016. https://arxiv.org/abs/1606.05328
    """

    def __init__(
        self,
        filters: int,
        width: int,
        mask_type: str = "B",
        num_channel_groups: int = 1,
        num_output_blocks: int = 1,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if mask_type not in ("A", "B"):
            raise ValueError(f"`mask_type` must be 'A' or 'B', got {mask_type!r}.")
        for arg, value in (
            ("filters", filters),
            ("width", width),
            ("num_channel_groups", num_channel_groups),
            ("num_output_blocks", num_output_blocks),
        ):
            if int(value) != value or value < 1:
                raise ValueError(f"`{arg}` must be an integer >= 1, got {value}.")
        if filters % num_output_blocks:
            raise ValueError(
                f"`filters` ({filters}) must be divisible by "
                f"`num_output_blocks` ({num_output_blocks})."
            )
        self.filters = int(filters)
        self.width = int(width)
        self.mask_type = mask_type
        self.num_channel_groups = int(num_channel_groups)
        self.num_output_blocks = int(num_output_blocks)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        in_channels = int(input_shape[-1])
        self.mask = _causal_row_mask(
            self.width,
            in_channels,
            self.filters,
            self.mask_type,
            self.num_channel_groups,
            self.num_output_blocks,
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(1, self.width, in_channels, self.filters),
            initializer=self.kernel_initializer,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer
            )

    def call(self, inputs):
        # Masking here, not with a constraint, keeps every forward pass causal.
        kernel = self.kernel * ops.cast(self.mask, self.compute_dtype)
        x = ops.pad(
            inputs, [[0, 0], [0, 0], [self.width - 1, 0], [0, 0]]
        )  # [N, H, W + width - 1, C]
        outputs = ops.conv(x, kernel, strides=1, padding="valid")  # [N, H, W, F]
        if self.use_bias:
            outputs = outputs + self.bias
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            width=self.width,
            mask_type=self.mask_type,
            num_channel_groups=self.num_channel_groups,
            num_output_blocks=self.num_output_blocks,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config
