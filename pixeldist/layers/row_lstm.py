"""The Row LSTM layer of PixelRNN (van den Oord et al. 2016)."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from pixeldist.layers.cached_step import (
    CachedStep,
    cache_input,
    correlate_row,
    matmul_window,
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
from pixeldist.layers.step_schedule import Schedule


@keras.saving.register_keras_serializable(package="pixeldist")
class RowLSTM(keras.layers.Layer, CachedStep):
    """An LSTM that processes a feature map one row at a time, top to bottom.

    The input-to-state part is a `1 × kernel_size` mask-B convolution over the
    current row, computed for all rows at once. The state-to-state part is a
    width-`kernel_size` 1-D convolution over the previous row's hidden state,
    applied by a `tf.scan` over the rows: a whole row is computed per step.

    #### Mathematical details

    For row `i` (zero state above the first row, zero padding at the ends):

    ```none
    [i, f, o, g] = K_is ⊛ x_i + K_ss ⊛ h_{i-1} + b (+ gate_bias)
    c_i = sigmoid(f) * c_{i-1} + sigmoid(i) * tanh(g)
    h_i = sigmoid(o) * tanh(c_i)
    ```

    The output at `(i, j)` depends on the input at `(i, j)` (mask B: channel
    groups <= its own), `(i, j-1)`, and on rows `i - d` for columns
    `j - d - 1 .. j + d`: a triangle above the pixel. The pixels to its left
    beyond `j - 1` and far to the upper left/right are outside that triangle
    (the Row LSTM's blind spot, as in the paper). Everything from row `i - 1`
    is entirely earlier in raster order, so the state-to-state convolution may
    mix channel groups.

    With `num_channel_groups = G > 1` the units are split into `G` contiguous
    R/G/B groups (`units >= G`), and unit `u`'s four gates read the current
    pixel's input features of groups <= its own only.

    Cached steps: once per row, the state-to-state part of the whole row
    from the states of the row above (one correlation); at each position,
    the input-to-state window (columns `j - k//2 .. j`, one matmul), the
    LSTM update with the cell state above, and one write of `[h | c]` into
    the layer's state cache `[N, H + 1, W + k - 1, 2u]` (row `i + 1` holds
    image row `i`; row 0 the zero state above the image).

    Args:
      units: `h`, the number of LSTM units (hidden and cell state size).
      num_channel_groups: 1, or the number of image channels C for R/G/B groups.
      kernel_size: odd width `k` of both convolutions (the paper's k = 3).

    Call arguments:
      inputs: `[batch, H, W, F]` with static `H`, `W`, `F`.
      gate_bias: optional `[batch, 1, 1, 4 * units]` (or `[batch, H, W, 4 * units]`,
        a term per position) added to the gates (e.g. `ConditionalBias`).

    Shapes: `[batch, H, W, F] -> [batch, H, W, units]`.

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel
         Recurrent Neural Networks. ICML 2016, Section 3.1.
         https://arxiv.org/abs/1601.06759
    """

    def __init__(
        self,
        units: int,
        num_channel_groups: int = 1,
        kernel_size: int = 3,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units, self.num_channel_groups = checked_units(units, num_channel_groups)
        if int(kernel_size) != kernel_size or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(
                f"`kernel_size` must be an odd integer, got {kernel_size}."
            )
        self.kernel_size = int(kernel_size)
        half = self.kernel_size // 2
        # Columns j - k//2 .. j: mask B hides the ones right of the pixel.
        self.input_window = ShiftedWindow(1, half + 1, top=0, left=half)
        # The states of the row above, at columns j - k//2 .. j + k//2.
        self.state_window = ShiftedWindow(1, self.kernel_size, top=1, left=half)

    def build(self, input_shape):
        in_channels = int(input_shape[-1])
        k, units = self.kernel_size, self.units
        self.input_mask = gate_conv_mask(
            (1, k), in_channels, units, num_channel_groups=self.num_channel_groups
        )
        self.input_kernel = self.add_weight(
            name="input_kernel",
            shape=(1, k, in_channels, NUM_GATES * units),
            initializer="glorot_uniform",
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(k, units, NUM_GATES * units),
            initializer="glorot_uniform",
        )
        self.bias = self.add_weight(
            name="bias",
            shape=(NUM_GATES * units,),
            initializer=gate_bias_initializer(units),
        )

    def masked_input_kernel(self):
        """`M_B * K_is` at columns up to the current one, `[1, k//2 + 1, F, 4u]`."""
        cols = self.input_window.cols
        # Masking here, not with a constraint, keeps every forward pass causal.
        kernel = ops.cast(self.input_kernel, self.compute_dtype)[:, :cols]
        return kernel * ops.cast(self.input_mask[:, :cols], self.compute_dtype)

    def call(self, inputs, gate_bias=None):
        gates = ops.conv(
            self.input_window.pad(inputs), self.masked_input_kernel(), padding="valid"
        )  # [N, H, W, 4u]
        gates = gates + self.bias
        if gate_bias is not None:
            gates = gates + gate_bias
        rows = ops.transpose(gates, (1, 0, 2, 3))  # [H, N, W, 4u]
        recurrent_kernel = ops.cast(self.recurrent_kernel, self.compute_dtype)

        def step(state, row_gates):
            hidden, cell = state  # [N, W, u] each: row i - 1
            row_gates = row_gates + ops.conv(hidden, recurrent_kernel, padding="same")
            return lstm_update(row_gates, cell)

        zeros = ops.zeros_like(rows[0, ..., : self.units])  # [N, W, u]
        hidden, _ = tf.scan(step, rows, initializer=(zeros, zeros))  # [H, N, W, u]
        return ops.transpose(hidden, (1, 0, 2, 3))  # [N, H, W, u]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    # -- Cached steps (see `CachedStep`) -----------------------------------------

    def plan_steps(self, x, gate_bias=None):
        self.input_window.keep(x)
        return x.schedule

    def prepare_steps(self, x, gate_bias=None):
        input_kernel = self.masked_input_kernel()
        recurrent = ops.cast(self.recurrent_kernel, self.compute_dtype)[None]
        bias = ops.cast(self.bias, self.compute_dtype)
        return input_kernel, recurrent, bias, gate_bias  # [1, k', F, 4u], [1, k, u, 4u]

    def initial_step_state(self, batch_size, x, gate_bias=None):
        height, width, _ = x.shape
        states = new_cache(
            batch_size,
            (height, width, 2 * self.units),
            self.state_window.cache_padding,
            self.compute_dtype,
            self.state_window.rows_back,  # a ring of two rows: the row above
        )
        row_gates = tf.zeros([batch_size, width, NUM_GATES * self.units], states.dtype)
        return states, row_gates

    def row_step(self, constants, state, row, x, gate_bias=None):
        """The state-to-state part of row `row` with the biases, `[N, W, 4u]`
        (the state); the whole row's output when the input is known by rows."""
        input_kernel, recurrent, bias, gate_bias = constants
        states, _ = state
        cache = cache_input(
            states, self.state_window.cache_padding, (*x.shape[:2], None)
        )
        above = self.state_window.row(cache, row)  # [N, 1, W + k - 1, 2u]
        row_gates = correlate_row(above[..., : self.units], recurrent) + bias
        if gate_bias is not None:  # [N, 1 or W, 4u] at this row
            row_gates = row_gates + tf.cast(term_at(gate_bias, row), row_gates.dtype)
        if x.schedule != Schedule.ROW:
            return None, (states, row_gates)
        gates = row_gates + correlate_row(self.input_window.row(x, row), input_kernel)
        cells = cache.read_row(row - 1, 0, x.shape[1])[..., self.units :]
        hidden, cell = lstm_update(gates, cells)  # [N, W, u] each
        states = write_cache(
            states,
            self.state_window.cache_padding,
            tf.concat([hidden, cell], -1),
            row,
            None,
            x.shape[0],
        )
        return hidden, (states, row_gates)

    def position_step(self, constants, state, row, col, x, gate_bias=None):
        input_kernel = constants[0]
        states, row_gates = state
        window = self.input_window.at(x, row, col)  # [N, 1, k//2 + 1, F]
        matrix = tf.reshape(input_kernel, [-1, input_kernel.shape[-1]])
        gates = matmul_window(window, matrix) + tf.gather(row_gates, col, axis=1)
        cache = cache_input(
            states, self.state_window.cache_padding, (*x.shape[:2], None)
        )
        above = cache.read_at(row - 1, col)  # [N, 2u]: (row - 1, col)
        hidden, cell = lstm_update(gates, above[:, self.units :])  # [N, u] each
        new = tf.concat([hidden, cell], axis=-1)
        states = write_cache(
            states, self.state_window.cache_padding, new, row, col, x.shape[0]
        )
        return hidden, (states, row_gates)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            num_channel_groups=self.num_channel_groups,
            kernel_size=self.kernel_size,
        )
        return config
