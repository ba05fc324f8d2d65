"""The up-sampling counterparts of PixelCNN++'s shifted convolutions."""

from __future__ import annotations

import keras
from keras import ops

from pixeldist.layers.shifted_conv2d import ShiftedConv2D


@keras.saving.register_keras_serializable(package="pixeldist")
class ShiftedConv2DTranspose(ShiftedConv2D):
    """A weight-normalized transposed convolution that writes no row above its input.

    PixelCNN++'s `down_shifted_deconv2d` (`direction="down"`) and
    `down_right_shifted_deconv2d` (`"down_right"`), the up-sampling of the
    U-Net. Input position `(i, j)` is scattered to the output rows
    `s i .. s i + kh - 1` (never above `s i`) and to columns centred on `t j`
    (down) or starting at `t j` (down_right). A coarse feature that summarizes
    the fine pixels before `(s i, t j)` thus only reaches fine positions at or
    after `(s i, t j)`, and the U-Net stays causal for any weights.

    #### Mathematical details

    With kernel `K [kh, kw, F, C]` (Keras' transposed layout) and column offset
    `o = (kw - 1) / 2` (down) or `0` (down_right):

    ```none
    y[r, c] = b + sum_{i, j, a, d : s i + a = r, t j + d - o = c} K[a, d] x[i, j]
    ```

    for `r < s H`, `c < t W`: the 'valid' transposed convolution, cropped.

    Args:
      filters, kernel_size, direction, strides, use_weight_norm, use_data_init,
        init_scale, kernel_initializer: as in `ShiftedConv2D`; the defaults
        `(2, 3)` (down) and `(2, 2)` (down_right) with strides 2 are
        PixelCNN++'s.

    Shapes: `[N, H, W, C] -> [N, s H, t W, filters]`.

    #### References

    [1]: Tim Salimans, Andrej Karpathy, Xi Chen, Diederik P. Kingma. PixelCNN++.
         ICLR 2017. https://arxiv.org/abs/1701.05517
    """

    #: Keras' transposed kernels are `[kh, kw, out, in]`.
    output_axis = -2

    def __init__(
        self, filters: int, kernel_size=None, direction="down", strides=2, **kwargs
    ):
        super().__init__(
            filters,
            kernel_size=kernel_size,
            direction=direction,
            strides=strides,
            **kwargs,
        )
        kw, t = self.kernel_size[1], self.strides[1]
        if self._column_offset() > max(kw - t, 0):
            raise ValueError(
                f"A down-shifted transposed kernel of width {kw} with column stride "
                f"{t} leaves no room to centre its columns; use `kernel_size` "
                f"width >= {2 * t - 1} or a smaller stride."
            )

    def kernel_shape(self, input_shape):
        return (*self.kernel_size, self.filters, int(input_shape[-1]))

    def _column_offset(self) -> int:
        return (self.kernel_size[1] - 1) // 2 if self.direction == "down" else 0

    def apply_kernel(self, inputs, kernel):
        _, height, width, _ = inputs.shape
        s, t = self.strides
        offset = self._column_offset()
        y = ops.conv_transpose(
            inputs, kernel, strides=self.strides, padding="valid"
        )  # [N, s H + max(kh - s, 0), t W + max(kw - t, 0), F]
        # Keeping rows from 0 (not from kh - 1, as the adjoint of a shifted
        # convolution would) is what makes the scatter go down, never up.
        # `slice`, not a strided slice: its gradient is much cheaper on CPU.
        return ops.slice(
            y, [0, 0, offset, 0], [-1, s * height, t * width, -1]
        )  # [N, s H, t W, F]

    def compute_output_shape(self, input_shape):
        sizes = [
            None if d is None else int(d) * s
            for d, s in zip(input_shape[1:3], self.strides, strict=True)
        ]
        return (input_shape[0], *sizes, self.filters)
