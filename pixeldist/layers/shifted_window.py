"""The input window a causal layer reads: the one shifting mechanism of pixeldist."""

from __future__ import annotations

import dataclasses

from keras import ops

from pixeldist.layers.step_schedule import Schedule


@dataclasses.dataclass(frozen=True)
class ShiftedWindow:
    """The input positions that output position `(i, j)` reads.

    Rows `s i - top .. s i - top + rows - 1` and columns
    `t j - left .. t j - left + cols - 1` of the input, zero outside it, with
    strides `(s, t)`. Every causal convolution and shift of pixeldist says
    which positions it reads with one of these, and uses it twice: `pad`
    for the whole feature map in `call`, `at` and `row` for the cached steps
    of generation, so the two cannot disagree. Causality is a property of
    the numbers alone: `top >= rows - 1` (no row below the output), and in
    the output's own row `left >= cols - 1` (no column right of it) unless
    the input of that row is known in full.

    | layer                               | rows     | cols | top        | left       |
    |-------------------------------------|----------|------|------------|------------|
    | k×k masked convolution (rows <= i)  | k//2 + 1 | k    | k//2       | k//2       |
    | down-shifted by `r` rows (kw odd)   | kh       | kw   | kh - 1 + r | kw // 2    |
    | down-right-shifted by `c` columns   | kh       | kw   | kh - 1     | kw - 1 + c |
    | `Shift("down")`, `Shift("right")`   | 1        | 1    | 1, 0       | 0, 1       |

    #### Mathematical details

    A correlation with kernel `K [rows, cols, C, F]` through the window is

    ```none
    y[i, j] = sum_{a < rows, d < cols} K[a, d] x[s i - top + a, t j - left + d]
    ```

    for `i < ceil(H / s)`, `j < ceil(W / t)`.

    Args:
      rows, cols: the window's size.
      top: rows from the window's first row down to `s i`.
      left: columns from the window's first column to `t j`.
      strides: `(s, t)`.
    """

    rows: int
    cols: int
    top: int
    left: int
    strides: tuple[int, int] = (1, 1)

    @property
    def reads_current_position_only(self) -> bool:
        """A 1×1 window at the output's own position: no cache needed."""
        return (self.rows, self.cols, self.top, self.left, self.strides) == (
            1,
            1,
            0,
            0,
            (1, 1),
        )

    def keep(self, x) -> None:
        """Asks for the cache of `StepInput` `x` that this window reads."""
        if not self.reads_current_position_only:
            x.keep(self)

    def schedule(self, x_schedule):
        """When an output through this window can be computed, for an input
        computed at `x_schedule` (a `Schedule`).

        A window of earlier rows only gives whole rows at each row's start.
        A window that reads the output's own row right of the output needs
        that row in advance: it raises `ValueError` for an input computed
        position by position.
        """
        if self.top >= self.rows:
            return Schedule.ROW
        if self.cols - 1 - self.left > 0 and x_schedule == Schedule.POSITION:
            raise ValueError(
                "it reads its input right of the output position in the same "
                "row, which a raster-order loop has not computed yet: the "
                "input must be known a whole row at a time (a vertical stack)"
            )
        return x_schedule

    @property
    def rows_back(self) -> int:
        """How many rows before its input's latest row this window reads:
        `top` for stride 1, `top + s - 1` for stride `s` (output row `i` is
        computed while the input is at rows `s i .. s i + s - 1`). A ring
        cache of `rows_back + 1` rows holds what it reads (`new_cache`)."""
        return self.top + self.strides[0] - 1

    @property
    def cache_padding(self) -> tuple[int, int, int]:
        """`(above, left, right)`: the zero border a cache of the input needs."""
        return self.top, self.left, max(self.cols - 1 - self.left, 0)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """`(ceil(H / s), ceil(W / t))`."""
        s, t = self.strides
        return -(-height // s), -(-width // t)

    def pad(self, x):
        """`x [N, H, W, C]` padded (or cropped) so that a 'valid' correlation
        with strides `(s, t)` and a `[rows, cols]` kernel reads this window."""
        bottom, right = self.rows - 1 - self.top, self.cols - 1 - self.left
        x = ops.pad(
            x, [[0, 0], [self.top, max(bottom, 0)], [self.left, max(right, 0)], [0, 0]]
        )
        if bottom >= 0 and right >= 0:
            return x
        # `slice`, not a strided slice: its gradient is much cheaper on CPU.
        shape = ops.shape(x)
        return ops.slice(
            x,
            [0, 0, 0, 0],
            [shape[0], shape[1] + min(bottom, 0), shape[2] + min(right, 0), shape[3]],
        )

    def at(self, x, i, j):
        """The window of output `(i, j)` from the cache of a `StepInput`,
        `[N, rows, cols, C]`."""
        if self.reads_current_position_only:
            return x.value[:, None, None]
        s, t = self.strides
        top, left = (_scaled(i, s), -self.top), (_scaled(j, t), -self.left)
        return x.read(top, self.rows, left, self.cols)

    def row(self, x, i):
        """The windows of output row `i`, `[N, rows, t (W_out - 1) + cols, C]`:
        a 'valid' correlation with strides `(1, t)` gives the row `[N, 1, W_out, F]`."""
        if self.reads_current_position_only:
            return x.value[:, None]
        s, t = self.strides
        width = self.output_size(*x.shape[:2])[1]
        top, cols = (_scaled(i, s), -self.top), t * (width - 1) + self.cols
        return x.read(top, self.rows, -self.left, cols)


def _scaled(index, stride: int):
    """`stride * index`, without an op for stride 1 (steps are traced op by op)."""
    return index if stride == 1 else stride * index
