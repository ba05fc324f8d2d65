"""Convolution over the rows above: the vertical stack of Gated PixelCNN."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="pixeldist")
class DownShiftedConv2D(keras.layers.Layer):
    """A `kh × kw` convolution whose output at row i reads rows above i only.

    Output position (i, j) reads the input rows `i - shift - kh + 1 .. i - shift`
    and columns `j - kw // 2 .. j + kw // 2` (zero padding outside the image):
    the kernel's last row sits `shift` rows above the output. With `shift=1`
    an output row never sees its own input row (the first layer of a vertical
    stack, reading the image); with `shift=0` it reads the rows up to its own
    (later layers, whose input at row i already depends on rows < i only). No
    kernel entry is masked: the causality comes from the padding alone, so it
    holds for any weights.

    #### Mathematical details

    ```none
    y[n, i, j, o] = b[o] + sum_{a < kh, d < kw, c}
        K[a, d, c, o] * x[n, i - shift - (kh - 1) + a, j - kw // 2 + d, c]
    ```

    Args:
      filters: number of output features.
      kernel_size: `(kh, kw)` with `kw` odd, or an odd int for a square kernel.
      shift: rows between the output row and the kernel's last row, >= 0.
      use_bias, kernel_initializer, bias_initializer: as in `keras.layers.Conv2D`.

    Shapes: `[batch, H, W, in_channels] -> [batch, H, W, filters]`.

    #### References

    [1]: Aaron van den Oord et al. Conditional Image Generation with PixelCNN
         Decoders. NeurIPS 2016. https://arxiv.org/abs/1606.05328
    [2]: Tim Salimans et al. PixelCNN++. ICLR 2017 (`down_shifted_conv2d`).
         https://arxiv.org/abs/1701.05517
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        shift: int = 0,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        kernel_size = tuple(int(k) for k in kernel_size)
        if len(kernel_size) != 2 or min(kernel_size) < 1 or kernel_size[1] % 2 == 0:
            raise ValueError(
                "`kernel_size` must be (rows, odd columns) of positive sizes, "
                f"got {kernel_size}."
            )
        if int(shift) != shift or shift < 0:
            raise ValueError(f"`shift` must be an integer >= 0, got {shift}.")
        self.filters = int(filters)
        self.kernel_size = kernel_size
        self.shift = int(shift)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (int(input_shape[-1]), self.filters),
            initializer=self.kernel_initializer,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer
            )

    def call(self, inputs):
        kh, kw = self.kernel_size
        # Pad `kh - 1 + shift` rows on top and keep the first H + kh - 1 rows: a
        # 'valid' convolution then ends its window `shift` rows above the output.
        x = ops.pad(
            inputs, [[0, 0], [kh - 1 + self.shift, 0], [kw // 2, kw // 2], [0, 0]]
        )  # [N, H + kh - 1 + shift, W + kw - 1, C]
        if self.shift:
            x = x[:, : ops.shape(inputs)[1] + kh - 1]  # [N, H + kh - 1, W + kw - 1, C]
        outputs = ops.conv(x, self.kernel, strides=1, padding="valid")  # [N, H, W, F]
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
            shift=self.shift,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config
