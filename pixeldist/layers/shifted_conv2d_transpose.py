"""The up-sampling counterparts of PixelCNN++'s shifted convolutions."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from pixeldist.layers.cached_step import (
    cache_input,
    correlate_row,
    matmul_window,
    new_cache,
    write_cache,
)
from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.layers.shifted_window import ShiftedWindow
from pixeldist.layers.step_schedule import Schedule


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

    The cached step writes each input value into a *dilated* cache at the
    output's resolution (input `(i, j)` at `(s i, t j)`, zeros between),
    where the layer is a stride-1 correlation with the flipped kernel
    through the `ShiftedWindow` of rows `r - kh + 1 .. r` and columns
    `c - (kw - 1 - o) .. c + o`:

    ```none
    y[r, c] = b + sum_{a, d} K[kh-1-a, kw-1-d] x_dil[r - kh + 1 + a, c - (kw-1-o) + d]
    ```

    A "down" layer reads `o` columns right of the output, so its input must
    be known a row at a time (the vertical stream).

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
        if self.shift or self.mask_type is not None:
            raise ValueError(
                "A transposed shifted convolution takes no `shift` or mask."
            )
        kh, kw = self.kernel_size
        t = self.strides[1]
        offset = self._column_offset()
        self.dilated_window = ShiftedWindow(kh, kw, kh - 1, kw - 1 - offset)
        if offset > max(kw - t, 0):
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

    # -- Cached steps (see `CachedStep`) -----------------------------------------

    def plan_steps(self, x):
        return self.dilated_window.schedule(x.schedule)

    def prepare_steps(self, x=None):
        # [kh, kw, F, C] scatter = correlation with the flipped [kh, kw, C, F].
        kernel = ops.transpose(self.kernel_value()[::-1, ::-1], (0, 1, 3, 2))
        bias = ops.cast(self.bias, self.compute_dtype)
        return kernel, ops.reshape(kernel, (-1, self.filters)), bias

    def _dilated_shape(self, x):
        (s, t), (height, width, channels) = self.strides, x.shape
        return s * height, t * width, channels

    def initial_step_state(self, batch_size, x):
        # A ring of a multiple of s rows (`new_cache`): the rows between the
        # written ones (s i) never share a place with them, so they stay zero.
        s, rows = self.strides[0], self.dilated_window.rows
        rows_back = -(-rows // s) * s - 1
        padding = self.dilated_window.cache_padding
        shape = self._dilated_shape(x)
        return new_cache(batch_size, shape, padding, x.dtype, rows_back)

    def row_step(self, constants, state, row, x):
        if self.plan_steps(x) != Schedule.ROW:
            return None, state
        (s, t), value = self.strides, x.value  # [N, W_l, C]
        zeros = tf.zeros_like(value[:, :, None])
        dilated = tf.concat([value[:, :, None]] + [zeros] * (t - 1), axis=2)
        dilated = tf.reshape(dilated, [tf.shape(value)[0], -1, value.shape[-1]])
        padding = self.dilated_window.cache_padding
        state = write_cache(state, padding, dilated, s * x.row, None, s * x.shape[0])
        cache = cache_input(state, padding, self._dilated_shape(x))
        kernel, _, bias = constants
        return correlate_row(self.dilated_window.row(cache, row), kernel) + bias, state

    def position_step(self, constants, state, row, col, x):
        (s, t), padding = self.strides, self.dilated_window.cache_padding
        state = write_cache(
            state, padding, x.value, s * x.row, t * x.col, s * x.shape[0]
        )
        cache = cache_input(state, padding, self._dilated_shape(x))
        _, matrix, bias = constants
        window = self.dilated_window.at(cache, row, col)
        return matmul_window(window, matrix) + bias, state
