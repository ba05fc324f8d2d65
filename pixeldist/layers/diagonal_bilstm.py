"""The Diagonal BiLSTM layer of PixelRNN (van den Oord et al. 2016)."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from pixeldist.layers.cached_step import (
    CachedStep,
    cache_input,
    new_cache,
    term_at,
    write_cache,
)
from pixeldist.layers.lstm_gates import (
    NUM_GATES,
    checked_units,
    gate_bias_initializer,
    gate_conv_mask,
    lstm_update,
)
from pixeldist.layers.shifted_window import ShiftedWindow
from pixeldist.layers.skew import directions_as_columns, directions_from_columns
from pixeldist.layers.step_schedule import Schedule

NUM_DIRECTIONS = 2
LEFT_TO_RIGHT, RIGHT_TO_LEFT = range(NUM_DIRECTIONS)
ABOVE, BESIDE = range(2)  # the taps of `recurrent_kernel`
#: the row above: the right-to-left states arrive shifted down by one row.
ROW_ABOVE = ShiftedWindow(1, 1, top=1, left=0)


@keras.saving.register_keras_serializable(package="pixeldist")
class DiagonalBiLSTM(keras.layers.Layer, CachedStep):
    """Two LSTMs that sweep a feature map diagonal by diagonal.

    The input-to-state part is a 1×1 mask-B convolution giving the gates of
    both directions. The left-to-right direction skews the gate map (row `i`
    shifted right by `i`, see `skew`) so that each diagonal is a column, and
    a `tf.scan` over the `W + H - 1` columns applies a 2×1 state-to-state
    convolution to the previous column: the state at `(i, j)` reads the states
    at `(i, j - 1)` (left) and `(i - 1, j)` (above). The right-to-left
    direction does the same on the horizontally flipped map (its state at
    `(i, j)` reads `(i, j + 1)` and `(i - 1, j)`), is flipped back, and is
    shifted down one row, because its state at `(i, j)` has seen pixels to the
    right of `(i, j)` in row `i`. The output is the sum of both directions.
    Both directions run in one scan (directions stacked on a leading axis).

    #### Mathematical details

    For each direction, column `t` of the skewed map (zero state before the
    first column and above the first row; the states outside the image stay
    0, so the edges behave like zero padding):

    ```none
    [i, f, o, g] = K_is ⊛ x_t + K_ss ⊛ h_{t-1} + b (+ gate_bias)
    c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
    h_t = sigmoid(o) * tanh(c_t)
    output[i, j] = h_lr[i, j] + h_rl[i - 1, j]
    ```

    The left-to-right state at `(i, j)` sees every input `(i', j')` with
    `i' <= i, j' <= j`; the shifted right-to-left one every `(i', j')` with
    `i' < i, j' >= j`. Together: every earlier pixel in raster order, and the
    current one through mask B (channel groups <= its own): the full
    receptive field, with no blind spot.

    With `num_channel_groups = G > 1` the units are split into `G` contiguous
    R/G/B groups (`units >= G`), and unit `u`'s gates read the current pixel's
    input features of groups <= its own only. The state-to-state convolution
    reads only earlier pixels, so it may mix groups.

    Cached steps. Unskewed, the left-to-right state at `(i, j)` reads the
    states at `(i, j - 1)` and `(i - 1, j)`, the right-to-left one `(i, j + 1)`
    and `(i - 1, j)`, and the output at row `i` reads the right-to-left states
    of row `i - 1` only, which depend on the inputs of rows `< i`. So at the
    start of row `i` (`row_step`) the layer runs the right-to-left direction
    over row `i - 1` (a scan over its `W` columns, from the cached inputs of
    that row and its own states of row `i - 2`), and at `(i, j)`
    (`position_step`) one left-to-right LSTM step, one matmul of
    `[x | h_above | h_left]` with the stacked kernel `[F + 2u, 4u]`.

    Args:
      units: `h`, the number of LSTM units per direction.
      num_channel_groups: 1, or the number of image channels C for R/G/B groups.

    Call arguments:
      inputs: `[batch, H, W, F]` with static `H`, `W`, `F`.
      gate_bias: optional `[batch, 1, 1, 4 * units]` (or `[batch, H, W, 4 * units]`,
        a term per position) added to the gates of both directions at every
        position (e.g. `ConditionalBias` of a label).

    Shapes: `[batch, H, W, F] -> [batch, H, W, units]`.

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel
         Recurrent Neural Networks. ICML 2016, Section 3.2 and Figure 3.
         https://arxiv.org/abs/1601.06759
    """

    def __init__(self, units: int, num_channel_groups: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.units, self.num_channel_groups = checked_units(units, num_channel_groups)

    def build(self, input_shape):
        in_channels = int(input_shape[-1])
        units = self.units
        gates = NUM_DIRECTIONS * NUM_GATES * units
        self.input_mask = gate_conv_mask(
            (1, 1), in_channels, units, NUM_DIRECTIONS, self.num_channel_groups
        )
        self.input_kernel = self.add_weight(
            name="input_kernel",
            shape=(1, 1, in_channels, gates),
            initializer="glorot_uniform",
        )
        # [direction, tap (row above, same row) of the previous column, u, 4u]
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(NUM_DIRECTIONS, 2, units, NUM_GATES * units),
            initializer="glorot_uniform",
        )
        self.bias = self.add_weight(
            name="bias", shape=(gates,), initializer=gate_bias_initializer(units)
        )

    def call(self, inputs, gate_bias=None):
        width = inputs.shape[2]
        units = self.units
        num_gates = NUM_GATES * units
        # Masking here, not with a constraint, keeps every forward pass causal.
        input_kernel = self.input_kernel * ops.cast(self.input_mask, self.compute_dtype)
        gates = ops.conv(inputs, input_kernel, padding="same")  # [N, H, W, 8u]
        gates = gates + self.bias
        left_to_right, right_to_left = ops.split(gates, NUM_DIRECTIONS, axis=-1)
        if gate_bias is not None:  # [N, 1, 1, 4u], or [N, H, W, 4u] for a map
            left_to_right = left_to_right + gate_bias
            right_to_left = right_to_left + gate_bias  # before the flip
        # [T = W + H - 1, 2, N, H, 4u]: the diagonals of both sweeps
        columns = directions_as_columns(left_to_right, right_to_left)
        recurrent_kernel = ops.reshape(
            ops.cast(self.recurrent_kernel, self.compute_dtype),
            (NUM_DIRECTIONS, 2 * units, num_gates),
        )

        def step(state, column_gates):
            hidden, cell = state  # [2, N, H, u] each: the previous column
            above = ops.pad(hidden[:, :, :-1], [[0, 0], [0, 0], [1, 0], [0, 0]])
            window = ops.concatenate([above, hidden], axis=-1)  # [2, N, H, 2u]
            column_gates = column_gates + ops.einsum(
                "dnhk,dkm->dnhm", window, recurrent_kernel
            )
            return lstm_update(column_gates, cell)

        # Outside the image the skewed gates are exactly 0 (the biases are added
        # before skewing), and an LSTM with zero gates keeps a zero state: the
        # states left of the image stay 0, like zero padding. The states right
        # of the image are never read by a pixel inside it.
        zeros = ops.zeros_like(columns[0, ..., :units])  # [2, N, H, u]
        hidden, _ = tf.scan(step, columns, initializer=(zeros, zeros))
        left_to_right, right_to_left = directions_from_columns(hidden, width)
        # Row i of the right-to-left sweep has seen row i to the right of each
        # pixel: shifted down one row, it brings only earlier rows.
        return left_to_right + ROW_ABOVE.pad(right_to_left)  # [N, H, W, u]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    # -- Cached steps (see `CachedStep`) -----------------------------------------

    def plan_steps(self, x, gate_bias=None):
        if x.schedule != Schedule.POSITION:
            raise ValueError("its input must be computed per position")
        ROW_ABOVE.keep(x)  # the right-to-left pass reads the row above
        return Schedule.POSITION

    def prepare_steps(self, x, gate_bias=None):
        dtype = self.compute_dtype
        input_kernel = ops.cast(self.input_kernel, dtype)
        input_kernel = (input_kernel * ops.cast(self.input_mask, dtype))[0, 0]
        left_to_right, right_to_left = ops.split(input_kernel, NUM_DIRECTIONS, -1)
        recurrent = ops.cast(self.recurrent_kernel, dtype)  # [direction, tap, u, 4u]
        biases = ops.split(ops.cast(self.bias, dtype), NUM_DIRECTIONS)  # [4u] each
        lr = recurrent[LEFT_TO_RIGHT]
        return {
            # Rows of x [F], then of h_above [u], then of h_left [u].
            "left_to_right": (
                ops.concatenate([left_to_right, lr[ABOVE], lr[BESIDE]], 0),
                biases[LEFT_TO_RIGHT],
            ),
            "right_to_left": (
                right_to_left,
                recurrent[RIGHT_TO_LEFT, ABOVE],
                recurrent[RIGHT_TO_LEFT, BESIDE],
                biases[RIGHT_TO_LEFT],
            ),
            "condition": gate_bias,  # [N, 1, 1, 4u] or [N, H, W, 4u], or None
        }

    # Rings of two rows (`new_cache`): a step reads the row above and its
    # own, and the right-to-left row step row - 2 before it writes row - 1.
    def initial_step_state(self, batch_size, x, gate_bias=None):
        height, width, _ = x.shape
        u, dtype = self.units, self.compute_dtype
        return {
            # [h | c] at (i, j) in row 1 + i, column 1 + j: zeros above and left.
            "left_to_right": new_cache(
                batch_size, (height, width, 2 * u), (1, 1, 0), dtype, rows_back=1
            ),
            # h of image row i in row 1 + i: zeros above the image.
            "right_to_left": new_cache(
                batch_size, (height, width, u), (1, 0, 0), dtype, rows_back=1
            ),
        }

    def row_step(self, constants, state, row, x, gate_bias=None):
        """The right-to-left hidden states of row `row - 1` (0 for row 0)."""
        input_kernel, above_kernel, beside_kernel, bias = constants["right_to_left"]
        width = x.shape[1]
        previous = cache_input(state["right_to_left"], (1, 0, 0), x.shape)
        inputs = tf.cast(ROW_ABOVE.row(x, row)[:, 0], input_kernel.dtype)  # [N, W, F]
        # h of row - 2 (row -1: the zeros above the image), [N, W, u]
        above = previous.read_row(tf.maximum(row - 2, -1), 0, width)
        gates = tf.matmul(inputs, input_kernel) + tf.matmul(above, above_kernel)
        gates = gates + bias  # [N, W, 4u]
        if constants["condition"] is not None:  # the row above's terms
            term = term_at(constants["condition"], tf.maximum(row - 1, 0))
            gates = gates + tf.cast(term, gates.dtype)
        zeros = tf.zeros_like(above[:, 0])  # the state right of the image

        def column_step(right, column_gates):
            hidden, cell = right
            return lstm_update(column_gates + tf.matmul(hidden, beside_kernel), cell)

        hidden, _ = tf.scan(
            column_step, tf.transpose(gates, [1, 0, 2]), (zeros, zeros), reverse=True
        )  # [W, N, u]
        hidden = tf.cast(row > 0, hidden.dtype) * tf.transpose(hidden, [1, 0, 2])
        return None, {
            **state,
            "right_to_left": write_cache(
                state["right_to_left"], (1, 0, 0), hidden, row - 1, None, x.shape[0]
            ),
        }

    def position_step(self, constants, state, row, col, x, gate_bias=None):
        kernel, bias = constants["left_to_right"]
        u = self.units
        states = cache_input(state["left_to_right"], (1, 1, 0), x.shape)
        left = states.read_at(row, col - 1)  # [N, 2u] at (row, col - 1)
        above = states.read_at(row - 1, col)[:, :u]  # (row - 1, col)
        window = tf.concat([tf.cast(x.value, kernel.dtype), above, left[:, :u]], -1)
        gates = tf.matmul(window, kernel) + bias  # [N, 4u]
        if constants["condition"] is not None:
            term = term_at(constants["condition"], row, col)
            gates = gates + tf.cast(term, gates.dtype)
        hidden, cell = lstm_update(gates, left[:, u:])
        left_to_right = write_cache(
            state["left_to_right"],
            (1, 1, 0),
            tf.concat([hidden, cell], -1),
            row,
            col,
            x.shape[0],
        )
        right_to_left = cache_input(state["right_to_left"], (1, 0, 0), x.shape)
        output = hidden + right_to_left.read_at(row - 1, col)
        return output, {**state, "left_to_right": left_to_right}

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, num_channel_groups=self.num_channel_groups)
        return config
