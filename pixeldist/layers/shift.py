"""Shifting a feature map by one row or column, as PixelCNN++'s `down_shift`."""

from __future__ import annotations

import keras

from pixeldist.layers.cached_step import CachedStep
from pixeldist.layers.shifted_window import ShiftedWindow
from pixeldist.layers.step_schedule import Schedule

_WINDOWS = {
    "down": ShiftedWindow(1, 1, top=1, left=0),
    "right": ShiftedWindow(1, 1, top=0, left=1),
}


@keras.saving.register_keras_serializable(package="pixeldist")
class Shift(keras.layers.Layer, CachedStep):
    """Moves a feature map one position down (or right), filling with zeros.

    `y[i, j] = x[i - 1, j]` (down) or `x[i, j - 1]` (right), zero in the first
    row (column): the 1×1 `ShiftedWindow` one row above (one column left of)
    the output. After a feature map that sees up to its own row (column),
    the shift makes position (i, j) see earlier rows (columns) only. The
    cached step reads the window from a cache of the input; a shift down
    gives whole rows.

    Args:
      direction: "down" or "right".

    Shapes: `[N, H, W, C] -> [N, H, W, C]`.
    """

    def __init__(self, direction: str = "down", **kwargs):
        super().__init__(**kwargs)
        if direction not in _WINDOWS:
            raise ValueError(
                f"`direction` must be one of {tuple(_WINDOWS)}, got {direction!r}."
            )
        self.direction = direction
        self.window = _WINDOWS[direction]

    def call(self, inputs):
        return self.window.pad(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def plan_steps(self, x):
        self.window.keep(x)
        return self.window.schedule(x.schedule)

    def row_step(self, constants, state, row, x):
        if self.window.schedule(x.schedule) != Schedule.ROW:
            return None, state
        return self.window.row(x, row)[:, 0], state

    def position_step(self, constants, state, row, col, x):
        return self.window.at(x, row, col)[:, 0, 0], state

    def get_config(self):
        config = super().get_config()
        config.update(direction=self.direction)
        return config
