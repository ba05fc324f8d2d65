"""The down-shifted and down-right-shifted convolutions of PixelCNN++."""

from __future__ import annotations

import keras
from keras import ops

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
class ShiftedConv2D(WeightNormalization):
    """A weight-normalized convolution that reads no row below its output.

    PixelCNN++'s `down_shifted_conv2d` (`direction="down"`) and
    `down_right_shifted_conv2d` (`"down_right"`): the input is zero-padded
    above (and at the sides, or only on the left) and convolved without
    padding, so the causality comes from the padding and holds for any
    weights. A further `Shift` of one row (or column) makes the first layer
    exclude the current pixel.

    #### Mathematical details

    With kernel `K [kh, kw, C, F]` and strides `(s, t)`, output `(i, j)` reads
    the input window anchored at `(s i, t j)`:

    ```none
    y[i, j] = b + sum_{a, d} K[a, d] x[s i - kh + 1 + a, t j - o + d]
    o = (kw - 1) / 2 (down),    o = kw - 1 (down_right)
    ```

    (zero outside the image): rows `s i - kh + 1 .. s i`, and columns centred
    on `t j` (down, `kw` odd) or ending at `t j` (down_right). With strides 2
    the output is `[ceil(H / 2), ceil(W / 2)]`, PixelCNN++'s down-sampling;
    coarse position `(i, j)` then summarizes fine positions up to `(2i, 2j)`.

    Args:
      filters: number of output features.
      kernel_size: `(kh, kw)`; default `(2, 3)` (down) or `(2, 2)` (down_right).
      direction: "down" or "down_right".
      strides: int or pair.
      use_weight_norm, use_data_init, init_scale, kernel_initializer: see
        `WeightNormalization`.

    Shapes: `[N, H, W, C] -> [N, ceil(H / s), ceil(W / t), filters]`.

    #### References

    [1]: Tim Salimans, Andrej Karpathy, Xi Chen, Diederik P. Kingma. PixelCNN++:
         Improving the PixelCNN with Discretized Logistic Mixture Likelihood
         and Other Modifications. ICLR 2017. https://arxiv.org/abs/1701.05517
    """

    def __init__(
        self,
        filters: int,
        kernel_size=None,
        direction: str = "down",
        strides=1,
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
        self.direction = direction

    def kernel_shape(self, input_shape):
        return (*self.kernel_size, int(input_shape[-1]), self.filters)

    def _padding(self):
        kh, kw = self.kernel_size
        if self.direction == "down":
            columns = [(kw - 1) // 2, (kw - 1) // 2]
        else:
            columns = [kw - 1, 0]
        return [[0, 0], [kh - 1, 0], columns, [0, 0]]

    def apply_kernel(self, inputs, kernel):
        # Padding only above (and never right of the window in "down_right")
        # is what keeps every output from reading later rows or columns.
        x = ops.pad(inputs, self._padding())  # [N, H + kh - 1, W + pad, C]
        return ops.conv(x, kernel, strides=self.strides, padding="valid")

    def compute_output_shape(self, input_shape):
        sizes = [
            None if d is None else -(-int(d) // s)
            for d, s in zip(input_shape[1:3], self.strides, strict=True)
        ]
        return (input_shape[0], *sizes, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            kernel_size=self.kernel_size,
            direction=self.direction,
            strides=self.strides,
        )
        return config
