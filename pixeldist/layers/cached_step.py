"""The cached evaluation a causal layer defines beside its `call`."""

from __future__ import annotations

import contextlib
import threading

import tensorflow as tf

from pixeldist.layers.once_per_graph import once_per_graph
from pixeldist.layers.step_input import StepInput, ring_row, ring_rows


class CachedStep:
    """Mixin of a causal layer that can be evaluated one raster position at a time.

    Raster-order generation needs a network's outputs at one position after
    another. Re-running `call` on the whole image at every step costs
    `O(H·W)` positions per step; instead every layer that defines `call`
    also defines here what it prepares once per generation, what it computes
    once per image row and what it computes at one position, reading the
    earlier values it needs from caches (Ramachandran et al. 2017).
    `pixeldist.sampling.IncrementalNetwork` drives these methods over a
    functional network in raster order, so any network made of such layers
    samples fast, and a layer's own test proves that its steps equal its
    `call`.

    Tensor arguments of the call arrive in the same positions and keywords
    as in the call: as `StepInput`s, or, when they are constant during a
    generation (`Schedule.CONSTANT`: the condition), as the tensor itself.
    Non-tensor arguments arrive as they were given.

    - `plan_steps(*inputs, **kwargs)`: returns the `Schedule` of the output
      (a list for several outputs) for the schedules of the inputs, and calls
      `input.keep(window)` for every input whose earlier values a step reads.
      Raises `ValueError` when the inputs' schedules make the layer non-causal
      (a convolution reading the current row to the right of the position
      from an input that is not known for the whole row in advance).
    - `prepare_steps(*inputs, **kwargs) -> constants`: once per generation,
      in the graph of the generation: effective (masked, weight-normalized)
      kernels, conditional terms. Returned, never kept on the layer.
    - `initial_step_state(batch_size, *inputs, **kwargs) -> state`: the
      layer's own caches (a nest of zero tensors), beyond its inputs': the
      activations inside a block, recurrent states.
    - `row_step(constants, state, row, *inputs, **kwargs) -> (outputs, state)`:
      at the start of output row `row` (at the output's resolution), before
      any position of it. Returns the `Schedule.ROW` outputs for the row,
      `[N, W_l, F]` (None for the other outputs).
    - `position_step(constants, state, row, col, *inputs, **kwargs)
      -> (outputs, state)`: the `Schedule.POSITION` outputs at `(row, col)`,
      `[N, F]` (None for the others).

    A step writes the layer's own caches at its own position (row) only,
    and reads at earlier positions (rows) or its own: so it may run several
    times at one position (once per channel group of a pixel, always on the
    same incoming state), a row step again when a generation resumes in the
    middle of a row, and either again at a coarse position shared by several
    image positions, and each time it returns the same values. (A cache of
    values that need a whole pixel, such as the keys and values of
    `CausalSelfAttention`, which read the image there, is written one
    position late: the step at p writes position p - 1 from the complete
    caches of its inputs, again each time it runs.) Caches start
    as zeros and hold only finite values, so masked entries that meet
    unwritten ones contribute zero. Read caches with `StepInput.read` (a
    gather): under XLA a slice of a cache that the step then writes makes a
    copy of the whole cache at every step.

    #### References

    [1]: Prajit Ramachandran, Tom Le Paine, Pooya Khorrami, Mohammad
         Babaeizadeh, Shiyu Chang, Yang Zhang, Mark A. Hasegawa-Johnson, Roy
         H. Campbell, Thomas S. Huang. Fast Generation for Convolutional
         Autoregressive Models. ICLR 2017 workshop.
         https://arxiv.org/abs/1704.06001
    """

    def plan_steps(self, *inputs, **kwargs):
        raise NotImplementedError

    def prepare_steps(self, *inputs, **kwargs):
        return ()

    def initial_step_state(self, batch_size, *inputs, **kwargs):
        return ()

    def row_step(self, constants, state, row, *inputs, **kwargs):
        return None, state

    def position_step(self, constants, state, row, col, *inputs, **kwargs):
        raise NotImplementedError


def write_at(buffer: tf.Tensor, position, values: tf.Tensor, offsets=None) -> tf.Tensor:
    """`buffer [N, *S, D]` with `buffer[:, *(position + offsets)] = values`.

    `position` holds one scalar index per leading dimension of `S`, and
    `offsets` (zeros by default) as many ints; `values` is
    `[N, *S[len(position):], D]`. One scatter (an in-place update under
    XLA), so caches can be written at loop-tensor positions.
    """
    offsets = tuple(offsets or (0,) * len(position))
    first = tf.stack([0, *position])  # [1 + len(position)]
    return tf.tensor_scatter_nd_update(
        buffer, _batch_indices(values, offsets) + first, values
    )


def _batch_indices(values: tf.Tensor, offsets: tuple[int, ...]) -> tf.Tensor:
    """`[N, 1 + k]` int32, row n `(n, *offsets)`, for `values [N, ...]`.

    A sampler writes a few dozen caches at every step, all with the
    generation's batch: so these are made once per graph and offsets. (A
    write with another batch in the same graph fails: the scatter's indices
    and values disagree in their first dimension.)
    """
    return once_per_graph(
        ("batch_indices", offsets), lambda: _new_batch_indices(values, offsets)
    )


def _new_batch_indices(values, offsets):
    batch = tf.range(tf.shape(values)[0])[:, None]  # [N, 1]
    return tf.pad(batch, [[0, 0], [0, len(offsets)]]) + [0, *offsets]


#: Whether `new_cache` makes rings, per thread (`ring_caches`).
_RINGS = threading.local()


@contextlib.contextmanager
def ring_caches():
    """Caches that `new_cache` makes in this thread, inside, are rings.

    For graphs that TensorFlow's executor runs op by op: it copies every
    tensor that an op updates, so a sampler without rings copies every
    whole cache at every pixel (PixelCNN++ at 28×28, 16 images: 4.1 s
    against 1.0 s with rings). Under XLA, which updates in place, whole
    caches run faster (about 20% at 28×28), so XLA-compiled samplers are
    traced without.
    """
    previous = getattr(_RINGS, "on", False)
    _RINGS.on = True
    try:
        yield
    finally:
        _RINGS.on = previous


def new_cache(batch_size, shape, padding, dtype, rows_back=None) -> tf.Tensor:
    """Zeros `[N, R, left + W + right, D]` for a map of `shape` `(H, W, D)`
    with `padding` `(above, left, right)`: `R = above + H` rows, or, inside
    `ring_caches`, a ring of `R = rows_back + 1` rows when that is fewer.

    A ring keeps only the rows that the steps still read: row `r` of the map
    is at `(above + r) mod R`, and a step at row `i` reads rows
    `i - rows_back .. i` (the padding rows above the map among them read as
    zeros: no row of the map has reached their places yet). Places of the
    current row not written yet hold a row of `R` rows before, finite values
    that masked weights meet as they meet the zeros of a whole cache. Without
    XLA a loop copies every cache it updates at every step, so the ring cuts
    that copy from the map's height to a few rows.
    """
    (height, width, depth), (above, left, right) = shape, padding
    rows = above + height
    if rows_back is not None and getattr(_RINGS, "on", False):
        rows = min(rows, rows_back + 1)
    return tf.zeros([batch_size, rows, left + width + right, depth], dtype)


def write_cache(cache, padding, value, row, col=None, height=None) -> tf.Tensor:
    """`cache` with `value` written at `(row, col)` (`[N, D]`), or at the
    whole row `row` when `col` is None (`[N, W, D]`). `height` is the map's
    (`H`), for a ring cache (see `new_cache`); None for a whole one."""
    above, left, right = padding
    value = tf.cast(value, cache.dtype)
    ring = None if height is None else ring_rows(cache, above, height)
    if ring is not None:
        row, above = ring_row(row, above, ring), 0
    if col is None:
        value = tf.pad(value, [[0, 0], [left, right], [0, 0]])
        return write_at(cache, (row,), value, (above,))
    return write_at(cache, (row, col), value, (above, left))


def cache_input(cache, padding, shape) -> StepInput:
    """A layer's own cache as a `StepInput`, for a `ShiftedWindow` to read."""
    return StepInput(None, shape, cache.dtype, cache=cache, padding=padding)


def term_at(term: tf.Tensor, row, col=None) -> tf.Tensor:
    """A conditioning term `[N, h, w, U]` at output row `row`, `[N, w, U]`, or
    at `(row, col)`, `[N, U]`: `h` and `w` are 1 (a class or vector term,
    the same everywhere) or the output's height and width (a condition map)."""
    term = tf.gather(term, row if term.shape[1] > 1 else 0, axis=1)  # [N, w, U]
    if col is None:
        return term
    return tf.gather(term, col if term.shape[1] > 1 else 0, axis=1)  # [N, U]


def matmul_window(window: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """`window [N, ...]` flattened times `kernel [K, F]` (a kernel reshaped
    to `[rows · cols · C, F]`), `[N, F]`: a correlation at one position."""
    size = window.shape[1:].num_elements()
    if size is None:
        flat = tf.reshape(window, [tf.shape(window)[0], -1])
    else:  # one op fewer per step (steps are traced op by op)
        flat = tf.reshape(window, [-1, size])
    return tf.matmul(tf.cast(flat, kernel.dtype), kernel)


def correlate_row(window: tf.Tensor, kernel: tf.Tensor, col_stride: int = 1):
    """A 'valid' correlation of `window [N, rows, W', C]` with
    `kernel [rows, cols, C, F]`, `[N, W_out, F]`: a correlation over a row."""
    window = tf.cast(window, kernel.dtype)
    return tf.nn.conv2d(window, kernel, [1, 1, col_stride, 1], "VALID")[:, 0]
