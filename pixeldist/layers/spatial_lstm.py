"""The spatial LSTM (Theis & Bethge 2015), the two-dimensional LSTM of PixelRNN."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from pixeldist.layers.cached_step import (
    CachedStep,
    cache_input,
    new_cache,
    term_at,
    write_cache,
)
from pixeldist.layers.causal_mask import causal_conv_mask
from pixeldist.layers.lstm_gates import checked_units
from pixeldist.layers.shifted_window import ShiftedWindow
from pixeldist.layers.skew import directions_as_columns, directions_from_columns
from pixeldist.layers.step_input import StepInput
from pixeldist.layers.step_schedule import Schedule

#: Gates per unit, `[i | f | l | o | g]` (input, forget, the mix `l` of the
#: two predecessors' cells, output, candidate), each block `units` wide.
NUM_GATES = 5
NUM_DIRECTIONS = 2
LEFT_TO_RIGHT, RIGHT_TO_LEFT = range(NUM_DIRECTIONS)
ABOVE, BESIDE = range(2)  # the taps of `recurrent_kernel`
#: the row above: the right-to-left states arrive shifted down by one row.
ROW_ABOVE = ShiftedWindow(1, 1, top=1, left=0)


def spatial_lstm_update(gates, cell_above, cell_beside):
    """One two-dimensional LSTM step: `gates [..., 5u]` (i, f, l, o, g) and
    the cell states of both predecessors `[..., u]`.

    `c = sigmoid(f) * (sigmoid(l) * c_above + (1 - sigmoid(l)) * c_beside)
    + sigmoid(i) * tanh(g)`: the forget gate scales a convex mix of the two
    cells, so `|c| <= 1 + max(|c_above|, |c_beside|)` for any weights.

    Returns `(hidden [..., u], cell [..., u])`.
    """
    i, f, mix, o, g = ops.split(gates, NUM_GATES, axis=-1)
    mix = ops.sigmoid(mix)
    kept = mix * cell_above + (1.0 - mix) * cell_beside
    cell = ops.sigmoid(f) * kept + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(cell), cell


@keras.saving.register_keras_serializable(package="pixeldist")
class SpatialLSTM(keras.layers.Layer, CachedStep):
    """A two-dimensional LSTM over a feature map, in both horizontal directions.

    The spatial LSTM of Theis & Bethge (2015), the model PixelRNN starts
    from: the state at `(i, j)` reads the states at `(i - 1, j)` (above) and
    `(i, j - 1)` (left), with one state-to-state weight set per predecessor.
    Its cell state keeps a learned convex mix of both predecessors' cells
    under one forget gate: the stable two-dimensional cell of Leifert et al.
    (2016). The multi-dimensional LSTM of Graves et al. (2007) has a forget
    gate per predecessor instead; their sum reaches 2, and its cells can
    grow like the binomial `C(i + j, i)` (about 6e36 at the last pixel of a
    64×64 image).

    A single left-to-right sweep sees only the rectangle above-left of a
    pixel: pixels up and to the right, such as `(i - 1, W - 1)` seen from
    `(i, 0)`, never reach it. So, as in the Diagonal BiLSTM, a second sweep
    runs right to left (its state at `(i, j)` reads `(i - 1, j)` and
    `(i, j + 1)`) and is shifted down one row before the two are added: row
    `i` of the output receives the right-to-left states of row `i - 1`, which
    have seen rows `<= i - 1` only. Because that sweep's output is used only
    from the next row on, its input-to-state kernel needs no mask, and it may
    also read `above_inputs`, a map whose row `i - 1` may depend on every
    pixel of row `i - 1` (the image itself). This closes the Diagonal
    BiLSTM's blind spot: there, the last pixel of row `i - 1` reaches row `i`
    leftwards only through the right-to-left sweep's features, which a
    mask-A input convolution computed without it.

    Both sweeps run diagonal by diagonal: the gate maps are skewed (row `i`
    shifted right by `i`, see `skew`) so that each anti-diagonal is a column,
    and one `tf.scan` over the `W + H - 1` columns computes a whole diagonal
    per step (both directions stacked on a leading axis, the right-to-left
    one on the horizontally flipped map). In the skewed map the left
    neighbour is the previous column's same row and the neighbour above the
    previous column's row above.

    #### Mathematical details

    For each direction, with `(i, j')` the predecessor beside (`j' = j - 1`
    left to right, `j + 1` right to left), zero states outside the image:

    ```none
    [i, f, l, o, g] = W x[i, j] (+ A a[i, j]) + U_a h[i-1, j] + U_b h[i, j'] + b
                      (+ gate_bias)
    m[i, j] = sigmoid(l) * c[i-1, j] + (1 - sigmoid(l)) * c[i, j']
    c[i, j] = sigmoid(f) * m[i, j] + sigmoid(i) * tanh(g)
    h[i, j] = sigmoid(o) * tanh(c[i, j])
    output[i, j] = h_lr[i, j] + h_rl[i - 1, j]
    ```

    `W` is masked (mask B: unit group g reads the current pixel's features
    of groups <= g) for the left-to-right sweep and free for the
    right-to-left one; `A a` (the `above_inputs` term) enters the
    right-to-left sweep only. The left-to-right state at `(i, j)` sees every
    input `(i', j')` with `i' <= i, j' <= j`; the shifted right-to-left one
    every input, and every `above_inputs` entry, at `(i', j')` with
    `i' < i, j' >= j`. Together: every input at an earlier position in
    raster order, and the current one through mask B. With the image as
    `above_inputs`, the pixels of every earlier row reach the output
    directly, so a network whose first layer is a mask-A convolution misses
    no earlier pixel (no blind spot).

    Since `m` is a convex mix and `sigmoid(f) < 1`, `|c[i, j]| <= i + j + 1`
    for any weights and inputs: the cells stay finite on any image (in
    float16 too), and the forget biases start at 1 as in a one-dimensional
    LSTM (the mix biases at 0: both predecessors weigh 1/2).

    With `num_channel_groups = G > 1` the units are split into `G` contiguous
    R/G/B groups (`units >= G`), and the five gates of unit `u` of the
    left-to-right sweep read the current pixel's input features of groups <=
    its own only. Everything else reads earlier pixels only, so it may mix
    groups.

    Cached steps. At the start of row `i` (`row_step`) the layer runs the
    right-to-left sweep over row `i - 1` (a scan over its `W` columns, from
    the cached inputs of that row and its own `[h | c]` of row `i - 2`); at
    `(i, j)` (`position_step`) one left-to-right step, `O(1)`: one matmul of
    `[x | h_above | h_left]` with the stacked kernel `[F + 2u, 5u]` and the
    update from the cached cells at `(i - 1, j)` and `(i, j - 1)`.

    Args:
      units: `h`, the number of LSTM units per direction.
      num_channel_groups: 1, or the number of image channels C for R/G/B groups.

    Call arguments:
      inputs: `[batch, H, W, F]` with static `H`, `W`, `F`.
      above_inputs: optional `[batch, H, W, E]` read by the right-to-left
        sweep only, so row `i` may depend on all of row `i` (e.g. the image).
      gate_bias: optional `[batch, 1, 1, 5 * units]` (or `[batch, H, W, 5 * units]`,
        a term per position) added to the gates of both directions at every
        position (e.g. `ConditionalBias` of a label).

    Shapes: `[batch, H, W, F] -> [batch, H, W, units]`.

    #### References

    [1]: Lucas Theis, Matthias Bethge. Generative Image Modeling Using
         Spatial LSTMs. NeurIPS 2015. https://arxiv.org/abs/1506.03478
    [2]: Alex Graves, Santiago Fernández, Jürgen Schmidhuber.
         Multi-Dimensional Recurrent Neural Networks. ICANN 2007.
         https://arxiv.org/abs/0705.2011
    [3]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel
         Recurrent Neural Networks. ICML 2016, Sections 3.2 and 3.3.
         https://arxiv.org/abs/1601.06759
    [4]: Gundram Leifert, Tobias Strauß, Tobias Grüning, Welf Wustlich,
         Roger Labahn. Cells in Multidimensional Recurrent Neural Networks.
         JMLR 17, 2016. https://arxiv.org/abs/1412.2620
    """

    gates_per_unit = NUM_GATES

    def __init__(self, units: int, num_channel_groups: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.units, self.num_channel_groups = checked_units(units, num_channel_groups)

    def build(self, inputs_shape, above_inputs_shape=None, gate_bias_shape=None):
        in_channels = int(inputs_shape[-1])
        units = self.units
        gates = NUM_GATES * units
        mask = causal_conv_mask(
            (1, 1), in_channels, units, "B", self.num_channel_groups
        )[0, 0]
        # Left to right: mask B per unit, for each of its gates; right to left:
        # no mask (its output is used from the next row on).
        self.input_mask = np.concatenate(
            [np.tile(mask, (1, NUM_GATES)), np.ones((in_channels, gates), np.float32)],
            axis=1,
        )  # [F, 2 * 5u]
        self.input_kernel = self.add_weight(
            name="input_kernel",
            shape=(in_channels, NUM_DIRECTIONS * gates),
            initializer="glorot_uniform",
        )
        self.above_kernel = None
        if above_inputs_shape is not None:
            self.above_kernel = self.add_weight(
                name="above_kernel",
                shape=(int(above_inputs_shape[-1]), gates),
                initializer="glorot_uniform",
            )
        # [direction, tap (above, beside), u, 5u]
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(NUM_DIRECTIONS, 2, units, gates),
            initializer="glorot_uniform",
        )
        # Forget biases 1, the others 0, in both directions.
        forget = np.zeros((NUM_DIRECTIONS, NUM_GATES, units), np.float32)
        forget[:, 1] = 1.0
        self.bias = self.add_weight(
            name="bias",
            shape=(NUM_DIRECTIONS * gates,),
            initializer=keras.initializers.Constant(forget.reshape(-1)),
        )

    def _masked_input_kernel(self):
        # Masking here, not with a constraint, keeps every forward pass causal.
        kernel = ops.cast(self.input_kernel, self.compute_dtype)
        return kernel * ops.cast(self.input_mask, self.compute_dtype)  # [F, 10u]

    def _check_above_inputs(self, above_inputs):
        if (above_inputs is None) != (self.above_kernel is None):
            raise ValueError(
                "`above_inputs` must be given at every call or at none "
                f"(built with them: {self.above_kernel is not None})."
            )

    def call(self, inputs, above_inputs=None, gate_bias=None):
        self._check_above_inputs(above_inputs)
        width = inputs.shape[2]
        units = self.units
        num_gates = NUM_GATES * units
        gates = ops.matmul(inputs, self._masked_input_kernel())  # [N, H, W, 10u]
        gates = gates + self.bias
        left_to_right, right_to_left = ops.split(gates, NUM_DIRECTIONS, axis=-1)
        if above_inputs is not None:
            above_inputs = ops.cast(above_inputs, self.compute_dtype)
            kernel = ops.cast(self.above_kernel, self.compute_dtype)
            right_to_left = right_to_left + ops.matmul(above_inputs, kernel)
        if gate_bias is not None:  # [N, 1, 1, 5u], or [N, H, W, 5u] for a map
            left_to_right = left_to_right + gate_bias
            right_to_left = right_to_left + gate_bias  # before the flip
        # [T = W + H - 1, 2, N, H, 5u]: the diagonals of both sweeps
        columns = directions_as_columns(left_to_right, right_to_left)
        recurrent_kernel = ops.reshape(
            ops.cast(self.recurrent_kernel, self.compute_dtype),
            (NUM_DIRECTIONS, 2 * units, num_gates),
        )

        def step(state, column_gates):
            hidden, cell = state  # [2, N, H, u] each: the previous column
            # In the skewed map (i - 1, j) is the previous column's row above.
            padding = [[0, 0], [0, 0], [1, 0], [0, 0]]
            hidden_above = ops.pad(hidden[:, :, :-1], padding)
            cell_above = ops.pad(cell[:, :, :-1], padding)
            window = ops.concatenate([hidden_above, hidden], axis=-1)  # [2, N, H, 2u]
            column_gates = column_gates + ops.einsum(
                "dnhk,dkm->dnhm", window, recurrent_kernel
            )
            return spatial_lstm_update(column_gates, cell_above, cell)

        # Outside the image the skewed gates are exactly 0 (every term is added
        # before skewing), and zero gates with zero predecessors give a zero
        # state: the states left of the image stay 0, like zero padding. The
        # states right of the image are never read by a pixel inside it.
        zeros = ops.zeros_like(columns[0, ..., :units])  # [2, N, H, u]
        hidden, _ = tf.scan(step, columns, initializer=(zeros, zeros))
        left_to_right, right_to_left = directions_from_columns(hidden, width)
        # Row i of the right-to-left sweep has seen row i to the right of each
        # pixel: shifted down one row, it brings only earlier rows.
        return left_to_right + ROW_ABOVE.pad(right_to_left)  # [N, H, W, u]

    def compute_output_shape(
        self, inputs_shape, above_inputs_shape=None, gate_bias_shape=None
    ):
        return tuple(inputs_shape[:-1]) + (self.units,)

    # -- Cached steps (see `CachedStep`) -----------------------------------------

    def plan_steps(self, x, above_inputs=None, gate_bias=None):
        if x.schedule != Schedule.POSITION:
            raise ValueError("its input must be computed per position")
        ROW_ABOVE.keep(x)  # the right-to-left sweep reads the row above
        if isinstance(above_inputs, StepInput):
            ROW_ABOVE.keep(above_inputs)
        return Schedule.POSITION

    def prepare_steps(self, x, above_inputs=None, gate_bias=None):
        dtype = self.compute_dtype
        kernels = ops.split(self._masked_input_kernel(), NUM_DIRECTIONS, -1)
        recurrent = ops.cast(self.recurrent_kernel, dtype)  # [direction, tap, u, 5u]
        biases = ops.split(ops.cast(self.bias, dtype), NUM_DIRECTIONS)  # [5u] each
        lr = recurrent[LEFT_TO_RIGHT]
        above_kernel = None
        if self.above_kernel is not None:
            above_kernel = ops.cast(self.above_kernel, dtype)
        return {
            # Rows of x [F], then of h_above [u], then of h_left [u].
            "left_to_right": (
                ops.concatenate([kernels[LEFT_TO_RIGHT], lr[ABOVE], lr[BESIDE]], 0),
                biases[LEFT_TO_RIGHT],
            ),
            "right_to_left": (
                kernels[RIGHT_TO_LEFT],
                above_kernel,
                recurrent[RIGHT_TO_LEFT, ABOVE],
                recurrent[RIGHT_TO_LEFT, BESIDE],
                biases[RIGHT_TO_LEFT],
            ),
            "condition": gate_bias,  # [N, 1, 1, 5u] or [N, H, W, 5u], or None
        }

    # Rings of two rows (`new_cache`): a step reads the row above and its
    # own, and the right-to-left row step row - 2 before it writes row - 1.
    def initial_step_state(self, batch_size, x, above_inputs=None, gate_bias=None):
        height, width, _ = x.shape
        u, dtype = self.units, self.compute_dtype
        return {
            # [h | c] at (i, j) in row 1 + i, column 1 + j: zeros above and left.
            "left_to_right": new_cache(
                batch_size, (height, width, 2 * u), (1, 1, 0), dtype, rows_back=1
            ),
            # [h | c] of image row i in row 1 + i: zeros above the image.
            "right_to_left": new_cache(
                batch_size, (height, width, 2 * u), (1, 0, 0), dtype, rows_back=1
            ),
        }

    def row_step(self, constants, state, row, x, above_inputs=None, gate_bias=None):
        """The right-to-left `[h | c]` of row `row - 1` (0 for row 0)."""
        input_kernel, above_kernel, above_recurrent, beside_recurrent, bias = constants[
            "right_to_left"
        ]
        u, width = self.units, x.shape[1]
        dtype = input_kernel.dtype
        previous = cache_input(state["right_to_left"], (1, 0, 0), x.shape)
        inputs = tf.cast(ROW_ABOVE.row(x, row)[:, 0], dtype)  # [N, W, F]
        # [h | c] of row - 2 (row -1: the zeros above the image), [N, W, 2u]
        above = previous.read_row(tf.maximum(row - 2, -1), 0, width)
        gates = tf.matmul(inputs, input_kernel) + bias
        gates = gates + tf.matmul(above[..., :u], above_recurrent)  # [N, W, 5u]
        if above_kernel is not None:
            extra = tf.cast(ROW_ABOVE.row(above_inputs, row)[:, 0], dtype)
            gates = gates + tf.matmul(extra, above_kernel)
        if constants["condition"] is not None:  # the row above's terms
            term = term_at(constants["condition"], tf.maximum(row - 1, 0))
            gates = gates + tf.cast(term, dtype)
        zeros = tf.zeros_like(above[:, 0, :u])  # the state right of the image

        def column_step(right, elements):
            hidden, cell = right
            column_gates, cell_above = elements
            column_gates = column_gates + tf.matmul(hidden, beside_recurrent)
            return spatial_lstm_update(column_gates, cell_above, cell)

        hidden, cell = tf.scan(
            column_step,
            (tf.transpose(gates, [1, 0, 2]), tf.transpose(above[..., u:], [1, 0, 2])),
            (zeros, zeros),
            reverse=True,
        )  # [W, N, u] each
        states = tf.transpose(tf.concat([hidden, cell], -1), [1, 0, 2])  # [N, W, 2u]
        states = tf.cast(row > 0, dtype) * states
        return None, {
            **state,
            "right_to_left": write_cache(
                state["right_to_left"], (1, 0, 0), states, row - 1, None, x.shape[0]
            ),
        }

    def position_step(
        self, constants, state, row, col, x, above_inputs=None, gate_bias=None
    ):
        kernel, bias = constants["left_to_right"]
        u = self.units
        states = cache_input(state["left_to_right"], (1, 1, 0), x.shape)
        left = states.read_at(row, col - 1)  # [N, 2u] at (row, col - 1)
        above = states.read_at(row - 1, col)  # (row - 1, col)
        window = tf.concat(
            [tf.cast(x.value, kernel.dtype), above[:, :u], left[:, :u]], -1
        )
        gates = tf.matmul(window, kernel) + bias  # [N, 5u]
        if constants["condition"] is not None:
            term = term_at(constants["condition"], row, col)
            gates = gates + tf.cast(term, gates.dtype)
        hidden, cell = spatial_lstm_update(gates, above[:, u:], left[:, u:])
        left_to_right = write_cache(
            state["left_to_right"],
            (1, 1, 0),
            tf.concat([hidden, cell], -1),
            row,
            col,
            x.shape[0],
        )
        right_to_left = cache_input(state["right_to_left"], (1, 0, 0), x.shape)
        output = hidden + right_to_left.read_at(row - 1, col)[:, :u]
        return output, {**state, "left_to_right": left_to_right}

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, num_channel_groups=self.num_channel_groups)
        return config
