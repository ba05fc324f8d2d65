"""Shifting a feature map by one row or column, as PixelCNN++'s `down_shift`."""

from __future__ import annotations

import keras
from keras import ops

_AXES = {"down": 1, "right": 2}


@keras.saving.register_keras_serializable(package="pixeldist")
class Shift(keras.layers.Layer):
    """Moves a feature map one position down (or right), filling with zeros.

    `y[i, j] = x[i - 1, j]` (down) or `x[i, j - 1]` (right), zero in the first
    row (column). After a shifted convolution that reads up to the current
    row (column), the shift makes the features of pixel (i, j) depend on
    earlier rows (columns) only: PixelCNN++'s first layers.

    Args:
      direction: "down" or "right".

    Shapes: `[N, H, W, C] -> [N, H, W, C]`.
    """

    def __init__(self, direction: str = "down", **kwargs):
        super().__init__(**kwargs)
        if direction not in _AXES:
            raise ValueError(
                f"`direction` must be one of {tuple(_AXES)}, got {direction!r}."
            )
        self.direction = direction

    def call(self, inputs):
        axis = _AXES[self.direction]
        size = inputs.shape[axis]
        padding = [[0, 0]] * 4
        padding[axis] = [1, 0]
        shifted = ops.pad(inputs, padding)  # one more row (column), zeros first
        # `slice`, not `shifted[:, :size]`: the gradient of a strided slice is
        # a slow op on CPU, that of a slice a pad.
        sizes = [-1] * 4
        sizes[axis] = size
        return ops.slice(shifted, [0, 0, 0, 0], sizes)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(direction=self.direction)
        return config
