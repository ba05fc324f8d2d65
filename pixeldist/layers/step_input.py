"""What a layer's cached step sees of one of its tensor inputs."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from pixeldist.layers.once_per_graph import once_per_graph
from pixeldist.layers.step_schedule import Schedule


class StepInput:
    """One tensor input of a layer's cached step: its value now, and a cache.

    `pixeldist.sampling.IncrementalNetwork` hands one to a `CachedStep`
    layer for each tensor argument of its call. When it plans (`plan_steps`),
    only `schedule`, `shape` and `dtype` are set, and `keep(window)` asks
    that the input's earlier values be kept in a zero-padded cache large
    enough for `window` (a `ShiftedWindow`). During a step:

    - `value` is the input at the step's position, `[N, D]` (a position
      step), or at its row, `[N, W_l, D]` (a row step); `None` when it is not
      known then (a position-scheduled input at the start of a row);
    - `row` and `col` are that position at the input's own resolution;
    - `read(top, rows, left, cols)` returns `[N, rows, cols, D]` of the
      cache, in the input's coordinates (negative in the padding): every
      value computed at an earlier position, or row, and the current one.

    A cache may hold fewer rows than `above + H_l`: a ring (`new_cache`),
    whose row `r` is at `(above + r) mod rows`; it holds the rows that the
    windows passed to `keep` still read (`ShiftedWindow.rows_back`).

    Args:
      schedule: when the input is computed (`Schedule`).
      shape: `(H_l, W_l, D)`, the input's shape without the batch.
      dtype: its dtype.
      value, cache, padding, row, col: the step's view (see above); `padding`
        is `(above, left, right)` of `cache`.
      on_keep: called with each window passed to `keep`.
    """

    def __init__(
        self,
        schedule: Schedule,
        shape: tuple[int, ...],
        dtype,
        value: tf.Tensor | None = None,
        cache: tf.Tensor | None = None,
        padding: tuple[int, int, int] = (0, 0, 0),
        row: tf.Tensor | None = None,
        col: tf.Tensor | None = None,
        on_keep: Callable | None = None,
    ):
        self.schedule = schedule
        self.shape = tuple(shape)
        self.dtype = dtype
        self.value = value
        self.cache = cache
        self.padding = padding
        self.row = row
        self.col = col
        self._on_keep = on_keep

    def keep(self, window) -> None:
        """Asks for a cache of this input that `window` can read."""
        if self._on_keep is None:
            raise RuntimeError("`keep` is for planning, before the steps run.")
        self._on_keep(window)

    def read(self, top, rows: int, left, cols: int) -> tf.Tensor:
        """Rows `top .. top + rows - 1`, columns `left .. left + cols - 1` of
        the cache, `[N, rows, cols, D]`. `top` and `left` are ints, scalar
        tensors, or pairs `(tensor, int)` that mean their sum (the steps of
        one graph then share the index arithmetic of one tensor)."""
        above, before, _ = self._cache_padding()
        (top, top_offset), (left, left_offset) = _pair(top), _pair(left)
        above, before = above + top_offset, before + left_offset
        # Gathers, not a slice: under XLA a dynamic slice of a loop-carried
        # cache that the same step then updates makes XLA copy the whole cache
        # at every step; gathers keep the update in place (and are faster).
        lines = _span(top, above, rows, self._ring_rows())
        return _gather_2d(self.cache, lines, _span(left, before, cols))

    def read_row(self, row, left, cols: int) -> tf.Tensor:
        """Columns `left .. left + cols - 1` of row `row`, `[N, cols, D]`."""
        above, before, _ = self._cache_padding()
        line = tf.gather(self.cache, ring_row(row, above, self._ring_rows()), axis=1)
        return tf.gather(line, _span(left, before, cols), axis=1)  # [N, cols, D]

    def read_at(self, row, col) -> tf.Tensor:
        """The value at `(row, col)`, `[N, D]`."""
        above, before, _ = self._cache_padding()
        line = ring_row(row, above, self._ring_rows())
        return _gather_2d(self.cache, line, _offset(col, before))  # [N, D]

    def _cache_padding(self):
        if self.cache is None:
            raise RuntimeError("This input has no cache: `keep` a window first.")
        return self.padding

    def _ring_rows(self) -> int | None:
        """The rows of a ring cache, or None for a whole one."""
        return ring_rows(self.cache, self.padding[0], self.shape[0])


def _gather_2d(cache, rows, cols):
    """`cache[:, rows][:, :, cols]` (`rows`, `cols` scalars or vectors), by
    two gathers, the one that copies less first: a row of a wide cache is
    much more than a window's few columns of a ring's few rows (without
    XLA each gather copies its result; TensorFlow's gathers cost about a
    microsecond per kilobyte)."""
    _, height, width, _ = cache.shape
    rows_shape, cols_shape = _shape(rows), _shape(cols)
    if math.prod(rows_shape) * width <= height * math.prod(cols_shape):
        line = tf.gather(cache, rows, axis=1)
        return tf.gather(line, cols, axis=1 + len(rows_shape))
    return tf.gather(tf.gather(cache, cols, axis=2), rows, axis=1)


def _shape(index) -> tuple[int, ...]:
    """The static shape of an index: an int, a NumPy array or a tensor."""
    return tuple(getattr(index, "shape", ()))


def ring_rows(cache, above: int, height: int) -> int | None:
    """The rows of `cache` when it is a ring (fewer than `above + height`),
    else None."""
    rows = cache.shape[1]
    return rows if rows < above + height else None


# A step's graph is traced op by op (about 0.3 ms each on a CPU, and as much
# again to hand to XLA): index arithmetic folds Python integers into one
# constant, and the steps of one graph share it (`once_per_graph`).


def _pair(index):
    """`(index, 0)`, or the pair `(tensor, int)` itself."""
    return index if isinstance(index, tuple) else (index, 0)


def _offset(index, offset: int):
    """`index + offset` for a scalar tensor or int index: no op for 0."""
    if offset == 0:
        return index
    if isinstance(index, (int, np.integer)):
        return index + offset
    return once_per_graph(("offset", index.ref(), offset), lambda: index + offset)


def ring_row(index, offset: int, ring: int | None):
    """Row `index + offset` of a cache, modulo `ring` (the rows of a ring
    cache, or None)."""
    if ring is None:
        return _offset(index, offset)
    if isinstance(index, (int, np.integer)):
        return (index + offset) % ring
    return once_per_graph(
        ("ring row", index.ref(), offset, ring), lambda: (index + offset) % ring
    )


def _span(start, offset: int, size: int, ring: int | None = None):
    """`start + offset + [0, 1, .., size - 1]` (modulo `ring`): a constant
    for an int `start`, else one addition (and one modulo)."""
    span = np.arange(offset, offset + size, dtype=np.int32)
    if isinstance(start, (int, np.integer)):
        return span + start if ring is None else (span + start) % ring
    if ring is None:
        key, make = ("span", start.ref(), offset, size), lambda: start + span
    else:
        key = ("ring span", start.ref(), offset, size, ring)
        make = lambda: (start + span) % ring  # noqa: E731
    return once_per_graph(key, make)
