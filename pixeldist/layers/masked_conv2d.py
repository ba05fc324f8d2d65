"""Masked 2-D convolution (van den Oord et al. 2016)."""

from __future__ import annotations

import keras
from keras import ops

from pixeldist.layers.cached_step import CachedStep, correlate_row, matmul_window
from pixeldist.layers.causal_mask import causal_conv_mask
from pixeldist.layers.shifted_window import ShiftedWindow


@keras.saving.register_keras_serializable(package="pixeldist")
class MaskedConv2D(keras.layers.Layer, CachedStep):
    """A 'same'-padded convolution whose kernel is masked in the forward pass.

    The kernel is multiplied by the raster-order mask of
    `causal_conv_mask` on every call, so the layer is causal for any weights:
    freshly initialised, perturbed, or loaded from a file (unlike a kernel
    constraint, which only acts at optimizer steps). The rows below the
    centre are masked entirely, so the layer correlates only the kernel's
    rows up to the centre, through the `ShiftedWindow` of rows `i - kh//2 ..
    i`; its cached step is one matmul of that window, from a cache of its
    input (`CachedStep`).

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
        kh, kw = self.kernel_size
        self.window = ShiftedWindow(kh // 2 + 1, kw, top=kh // 2, left=kw // 2)

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

    def masked_kernel(self):
        """`M * K` up to the centre row, `[kh//2 + 1, kw, C_in, filters]`."""
        rows = self.window.rows
        # Masking here, not with a constraint, keeps every forward pass causal.
        kernel = ops.cast(self.kernel, self.compute_dtype)[:rows]
        return kernel * ops.cast(self.mask[:rows], self.compute_dtype)

    def _bias(self):
        return ops.cast(self.bias, self.compute_dtype) if self.use_bias else 0.0

    def call(self, inputs):
        outputs = ops.conv(
            self.window.pad(inputs), self.masked_kernel(), padding="valid"
        )
        return outputs + self._bias()

    def plan_steps(self, x):
        self.window.keep(x)
        return x.schedule  # a row input gives whole rows; a position input, positions

    def prepare_steps(self, x):
        kernel = self.masked_kernel()
        return kernel, ops.reshape(kernel, (-1, self.filters)), self._bias()

    def row_step(self, constants, state, row, x):
        if x.value is None:  # computed per position
            return None, state
        kernel, _, bias = constants
        return correlate_row(self.window.row(x, row), kernel) + bias, state

    def position_step(self, constants, state, row, col, x):
        _, matrix, bias = constants
        return matmul_window(self.window.at(x, row, col), matrix) + bias, state

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
