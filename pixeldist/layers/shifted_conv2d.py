"""Shifted convolutions: PixelCNN++'s streams, Gated PixelCNN's stacks."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from pixeldist.layers.cached_step import CachedStep, correlate_row, matmul_window
from pixeldist.layers.causal_mask import causal_conv_mask
from pixeldist.layers.shifted_window import ShiftedWindow
from pixeldist.layers.step_schedule import Schedule
from pixeldist.layers.weight_normalization import WeightNormalization

#: The two shifts and the kernel size PixelCNN++ uses for each.
_DEFAULT_KERNEL_SIZES = {"down": (2, 3), "down_right": (2, 2)}


def _check_shifted_kernel(direction: str, kernel_size, strides) -> tuple:
    """Validated `(kernel_size, strides)` pairs of a shifted (transposed) conv."""
    if direction not in _DEFAULT_KERNEL_SIZES:
        raise ValueError(
            f"`direction` must be one of {tuple(_DEFAULT_KERNEL_SIZES)}, "
            f"got {direction!r}."
        )
    if kernel_size is None:
        kernel_size = _DEFAULT_KERNEL_SIZES[direction]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    kernel_size = tuple(int(k) for k in kernel_size)
    if len(kernel_size) != 2 or min(kernel_size) < 1:
        raise ValueError(f"`kernel_size` must be two sizes >= 1, got {kernel_size}.")
    if direction == "down" and kernel_size[1] % 2 == 0:
        raise ValueError(
            "A down-shifted kernel is centred on its column: its width must be "
            f"odd, got `kernel_size` {kernel_size}."
        )
    if isinstance(strides, int):
        strides = (strides, strides)
    strides = tuple(int(s) for s in strides)
    if len(strides) != 2 or min(strides) < 1:
        raise ValueError(f"`strides` must be two integers >= 1, got {strides}.")
    return kernel_size, strides


@keras.saving.register_keras_serializable(package="pixeldist")
class ShiftedConv2D(WeightNormalization, CachedStep):
    """A convolution that reads no row below its output (and no column right of
    it in the output's row, for `"down_right"`): causal by its padding.

    PixelCNN++'s `down_shifted_conv2d` (`direction="down"`) and
    `down_right_shifted_conv2d` (`"down_right"`), and, with `shift`, their
    compositions with PixelCNN++'s `down_shift` and `right_shift`; Gated
    PixelCNN's vertical stack (`"down"`, `shift=1` on the image) and its
    horizontal stack (`"down_right"`, one row, `mask_type` at the current
    pixel). The window is a `ShiftedWindow`, zero-padded above (and at the
    sides, or only on the left), so the causality holds for any weights.

    #### Mathematical details

    With kernel `K [kh, kw, C, F]`, strides `(s, t)` and shift `r`, output
    `(i, j)` reads

    ```none
    y[i, j] = b + sum_{a, d} (M * K)[a, d] x[s i - (kh - 1 + r_down) + a, t j - o + d]
    o = (kw - 1) / 2 (down),    o = kw - 1 + r (down_right)
    ```

    (zero outside the image, `r_down = r` for "down", 0 for "down_right"):
    rows `s i - kh + 1 - r_down .. s i - r_down`, and columns centred on
    `t j` (down, `kw` odd) or ending at `t j - r` (down_right). With
    `zero_border`, the first `r` rows (columns) of the output are zero, not
    the convolution of the zero padding (the bias `b`): the layer is then
    PixelCNN++'s `down_shift` (`right_shift`) of the unshifted convolution,
    exactly. `M` is 1,
    except with `mask_type` at the tap of the output's own pixel (the last
    of a down-right kernel), where input channel group `g_in` feeds output
    group `g_out` when `g_in < g_out` (A) or `<=` (B), as in a masked
    convolution. With strides 2 the output is `[ceil(H / 2), ceil(W / 2)]`,
    PixelCNN++'s down-sampling; coarse position `(i, j)` then summarizes fine
    positions up to `(2i, 2j)`.

    The cached step (`CachedStep`) is one matmul of the window from a cache
    of the input, at a position, or one correlation over the rows of the
    window, for a whole row: a down-shifted convolution (`shift >= 1`) of
    any input, or of an input known a row at a time, gives whole rows.

    Args:
      filters: number of output features.
      kernel_size: `(kh, kw)`; default `(2, 3)` (down) or `(2, 2)` (down_right).
      direction: "down" or "down_right".
      strides: int or pair.
      shift: rows ("down") or columns ("down_right") between the output and
        the window's last row (column), >= 0.
      zero_border: zeros, not the bias, in the first `shift` rows (columns).
      mask_type: None, or "A"/"B" to mask the tap of the output's own pixel
        by channel group ("down_right" with `shift=0` only).
      num_channel_groups: the R/G/B groups of that mask.
      num_output_blocks: the outputs are this many consecutive blocks, each
        grouped alike (2 for the fused `[f | g]` halves of a gated activation).
      use_weight_norm, use_data_init, init_scale, kernel_initializer: see
        `WeightNormalization` (`use_weight_norm=False`: a plain convolution).

    Shapes: `[N, H, W, C] -> [N, ceil(H / s), ceil(W / t), filters]`.

    #### References

    [1]: Tim Salimans, Andrej Karpathy, Xi Chen, Diederik P. Kingma. PixelCNN++:
         Improving the PixelCNN with Discretized Logistic Mixture Likelihood
         and Other Modifications. ICLR 2017. https://arxiv.org/abs/1701.05517
    [2]: Aaron van den Oord et al. Conditional Image Generation with PixelCNN
         Decoders. NeurIPS 2016. https://arxiv.org/abs/1606.05328
    """

    def __init__(
        self,
        filters: int,
        kernel_size=None,
        direction: str = "down",
        strides=1,
        shift: int = 0,
        zero_border: bool = False,
        mask_type: str | None = None,
        num_channel_groups: int = 1,
        num_output_blocks: int = 1,
        use_weight_norm: bool = True,
        use_data_init: bool = True,
        init_scale: float = 1.0,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(
            filters,
            use_weight_norm=use_weight_norm,
            use_data_init=use_data_init,
            init_scale=init_scale,
            kernel_initializer=kernel_initializer,
            **kwargs,
        )
        self.kernel_size, self.strides = _check_shifted_kernel(
            direction, kernel_size, strides
        )
        for name, value, minimum in (
            ("shift", shift, 0),
            ("num_channel_groups", num_channel_groups, 1),
            ("num_output_blocks", num_output_blocks, 1),
        ):
            if int(value) != value or value < minimum:
                raise ValueError(
                    f"`{name}` must be an integer >= {minimum}, got {value}."
                )
        if mask_type not in (None, "A", "B"):
            raise ValueError(
                f"`mask_type` must be None, 'A' or 'B', got {mask_type!r}."
            )
        if mask_type is not None and (direction != "down_right" or shift):
            raise ValueError(
                "`mask_type` masks the tap of the output's own pixel, which only a "
                "'down_right' window with `shift=0` reads."
            )
        if self.filters % num_output_blocks:
            raise ValueError(
                f"`filters` ({self.filters}) must be divisible by "
                f"`num_output_blocks` ({num_output_blocks})."
            )
        self.direction = direction
        self.shift = int(shift)
        self.zero_border = bool(zero_border)
        self.mask_type = mask_type
        self.num_channel_groups = int(num_channel_groups)
        self.num_output_blocks = int(num_output_blocks)
        kh, kw = self.kernel_size
        if direction == "down":
            top, left = kh - 1 + self.shift, (kw - 1) // 2
        else:
            top, left = kh - 1, kw - 1 + self.shift
        self.window = ShiftedWindow(kh, kw, top, left, self.strides)

    def kernel_shape(self, input_shape):
        return (*self.kernel_size, int(input_shape[-1]), self.filters)

    def build(self, input_shape):
        super().build(input_shape)
        self.mask = None
        if self.mask_type is not None:
            channels, blocks = int(input_shape[-1]), self.num_output_blocks
            centre = causal_conv_mask(
                (1, 1),
                channels,
                self.filters // blocks,
                self.mask_type,
                self.num_channel_groups,
            )[0, 0]
            self.mask = np.ones(self.kernel_shape(input_shape), np.float32)
            self.mask[-1, -1] = np.concatenate([centre] * blocks, axis=-1)

    def masked(self, kernel):
        """`M * kernel` (masking in the forward pass keeps every call causal)."""
        if self.mask is None:
            return kernel
        return kernel * ops.cast(self.mask, kernel.dtype)

    def call(self, inputs, training=None):
        outputs = super().call(inputs, training=training)
        if not (self.zero_border and self.shift):
            return outputs
        axis = 1 if self.direction == "down" else 2
        shape = [1, 1, 1, 1]
        shape[axis] = -1
        inside = ops.arange(ops.shape(outputs)[axis]) >= self.shift
        return outputs * ops.reshape(ops.cast(inside, outputs.dtype), shape)

    def _border(self, y, row, col):
        """`y` at output row `row` (`[N, W, F]`), or at `(row, col)`, zeroed in
        the border."""
        if not (self.zero_border and self.shift):
            return y
        if self.direction == "down":
            return y * tf.cast(row >= self.shift, y.dtype)
        if col is None:
            return y * tf.cast(tf.range(tf.shape(y)[1]) >= self.shift, y.dtype)[:, None]
        return y * tf.cast(col >= self.shift, y.dtype)

    def apply_kernel(self, inputs, kernel):
        return ops.conv(
            self.window.pad(inputs),
            self.masked(kernel),
            strides=self.strides,
            padding="valid",
        )

    def compute_output_shape(self, input_shape):
        sizes = [
            None if d is None else -(-int(d) // s)
            for d, s in zip(input_shape[1:3], self.strides, strict=True)
        ]
        return (input_shape[0], *sizes, self.filters)

    # -- Cached steps (see `CachedStep`) -----------------------------------------

    def plan_steps(self, x):
        self.window.keep(x)
        return self.window.schedule(x.schedule)

    def prepare_steps(self, x=None):
        kernel = self.masked(self.kernel_value())
        bias = ops.cast(self.bias, self.compute_dtype)
        return kernel, ops.reshape(kernel, (-1, self.filters)), bias

    def row_step(self, constants, state, row, x):
        if self.window.schedule(x.schedule) != Schedule.ROW:
            return None, state
        kernel, _, bias = constants
        y = correlate_row(self.window.row(x, row), kernel, self.strides[1]) + bias
        return self._border(y, row, None), state

    def position_step(self, constants, state, row, col, x):
        _, matrix, bias = constants
        y = matmul_window(self.window.at(x, row, col), matrix) + bias
        return self._border(y, row, col), state

    def get_config(self):
        config = super().get_config()
        config.update(
            kernel_size=self.kernel_size,
            direction=self.direction,
            strides=self.strides,
            shift=self.shift,
            zero_border=self.zero_border,
            mask_type=self.mask_type,
            num_channel_groups=self.num_channel_groups,
            num_output_blocks=self.num_output_blocks,
        )
        return config
