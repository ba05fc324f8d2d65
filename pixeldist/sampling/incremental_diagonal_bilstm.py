"""A Diagonal BiLSTM PixelRNN evaluated one pixel at a time, for the cached sampler."""

from __future__ import annotations

import tensorflow as tf

from pixeldist.layers.diagonal_bilstm import NUM_DIRECTIONS, DiagonalBiLSTM
from pixeldist.layers.lstm_gates import NUM_GATES, lstm_update
from pixeldist.sampling.cached_sampler import write_at
from pixeldist.sampling.incremental_pixelrnn import IncrementalPixelRNN

LEFT_TO_RIGHT, RIGHT_TO_LEFT = range(NUM_DIRECTIONS)
ABOVE, BESIDE = range(2)  # the taps of `DiagonalBiLSTM.recurrent_kernel`


class IncrementalDiagonalBiLSTM(IncrementalPixelRNN):
    """A Diagonal BiLSTM `PixelRNNNetwork` computing one pixel per step from caches.

    Unskewed, a `DiagonalBiLSTM` layer with input `x` and `u` units is two
    LSTMs over the image. The left-to-right one at `(i, j)` reads the states
    at `(i, j - 1)` (hidden and cell) and `(i - 1, j)` (hidden); the
    right-to-left one reads `(i, j + 1)` and `(i - 1, j)`. States outside the
    image are 0 (the skewed recurrence keeps a zero state left of the image,
    and the 2×1 state-to-state convolution reads zeros above row 0):

    ```none
    lr_i[j] = LSTM(x_i[j] @ K_is_lr + h_lr_{i-1}[j] @ K_lr[above]
                   + h_lr_i[j - 1] @ K_lr[beside] + b_lr + V y, c_lr_i[j - 1])
    rl_i[j] = LSTM(x_i[j] @ K_is_rl + h_rl_{i-1}[j] @ K_rl[above]
                   + h_rl_i[j + 1] @ K_rl[beside] + b_rl + V y, c_rl_i[j + 1])
    output_i[j] = h_lr_i[j] + h_rl_{i-1}[j]
    ```

    with `K_is = M_B * K` the 1×1 mask-B input-to-state kernel (R/G/B
    channel groups) and `V y` the conditional gate bias. The output at row
    `i` reads the right-to-left states of row `i - 1` only, which depend on
    the layer inputs of rows `< i`: they are known in full when row `i`
    starts. With `L` layers:

    - once per row (`start_row(state, i)`): every layer's right-to-left
      states of row `i - 1`, one right-to-left scan over the `W` columns (all
      layers in one scan) on the layer inputs of row `i - 1` cached by the
      steps of that row `[N, W, 2h]` and the layer's hidden states of row
      `i - 2` `[N, W, u]` (zero for row 0, whose row above is outside the
      image). `O(W·L)` per row.
    - once per pixel (`step`): the mask-A 7×7 input convolution over the
      cached image window (`InputAndOutputConvs`); per layer, one write of
      the layer input `x [N, 2h]` into the row cache `[N, W, 2h]`, the
      left-to-right gates as one matmul of `[x | h_above | h_left]` with the
      stacked kernel `[2h + 2u, 4u]`, the LSTM update, one write of `[h | c]`
      into the left-to-right buffer `[N, W + 1, 2u]` (column `j + 1` holds
      position `j`; column 0 stays 0, the state left of the image; before the
      write it holds row `i` left of `j` and row `i - 1` at and right of
      `j`), and the residual `x + (h_lr + h_rl_{i-1}[j]) @ K_res + b_res`;
      then the two 1×1 output convolutions. `O(L)` per pixel.

    The layer inputs the steps cache never depend on the current pixel's
    last channel (mask A hides channel `c` from every feature of group
    `<= c`), so the last channel group's step caches their final values.

    Implements the incremental-network interface of
    `pixeldist.sampling.cached_sampler`.

    Args:
      network: a built `PixelRNNNetwork` with `cell="diagonal_bilstm"`.

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel
         Recurrent Neural Networks. ICML 2016, Section 3.2.
         https://arxiv.org/abs/1601.06759
    [2]: Prajit Ramachandran et al. Fast Generation for Convolutional
         Autoregressive Models. 2017. https://arxiv.org/abs/1704.06001
    """

    cell = "diagonal_bilstm"
    lstm_class = DiagonalBiLSTM
    cell_title = "Diagonal BiLSTM"

    def prepare_layers(self, condition) -> None:
        """Both directions' kernels and gate biases."""
        self._lr_kernels, self._lr_biases = [], []
        self._rl_input_kernels, self._rl_above_kernels = [], []
        self._rl_beside_kernels, self._rl_biases = [], []
        for index, lstm in enumerate(self._lstms):
            input_kernel = tf.cast(tf.convert_to_tensor(lstm.input_kernel), self._dtype)
            input_kernel = input_kernel * tf.cast(lstm.input_mask, self._dtype)
            lr_input, rl_input = tf.split(input_kernel[0, 0], NUM_DIRECTIONS, axis=-1)
            recurrent = tf.cast(
                tf.convert_to_tensor(lstm.recurrent_kernel), self._dtype
            )  # [direction, tap, u, 4u]
            bias = tf.cast(tf.convert_to_tensor(lstm.bias), self._dtype)
            lr_bias, rl_bias = tf.split(bias, NUM_DIRECTIONS)  # [4u] each
            gate_bias = self.gate_bias(index, condition)
            if gate_bias is not None:
                lr_bias, rl_bias = lr_bias + gate_bias, rl_bias + gate_bias
            lr = recurrent[LEFT_TO_RIGHT]
            # Rows of x [2h], then of h_above [u], then of h_left [u].
            self._lr_kernels.append(tf.concat([lr_input, lr[ABOVE], lr[BESIDE]], 0))
            self._lr_biases.append(lr_bias)  # [4u] or [N, 4u]
            self._rl_input_kernels.append(rl_input)  # [2h, 4u]
            self._rl_above_kernels.append(recurrent[RIGHT_TO_LEFT, ABOVE])  # [u, 4u]
            self._rl_beside_kernels.append(recurrent[RIGHT_TO_LEFT, BESIDE])
            self._rl_biases.append(rl_bias)

    def initial_state(self, batch_size, condition=None) -> dict:
        """Zero caches: the padded image, and per layer the row of inputs, the
        left-to-right `[h | c]` buffer and the right-to-left hidden states of
        the previous row (zero above the first row)."""
        self.prepare(condition)
        width = self._image_shape[1]

        def zeros(*shape):
            return tf.zeros([batch_size, *shape], self._dtype)

        inputs, left_to_right, right_to_left = [], [], []
        for lstm in self._lstms:
            u = lstm.units
            inputs.append(zeros(width, lstm.input_kernel.shape[2]))
            left_to_right.append(zeros(width + 1, 2 * u))
            right_to_left.append(zeros(width, u))
        return {
            "image": self._ends.empty_image(batch_size),
            "inputs": inputs,
            "left_to_right": left_to_right,
            "right_to_left": right_to_left,
        }

    def start_row(self, state, row) -> dict:
        """Every layer's right-to-left hidden states of row `row - 1`.

        Here `state["inputs"]` holds the layer inputs of row `row - 1` and
        `state["right_to_left"]` the hidden states of row `row - 2`; for
        `row = 0` the result is 0 (no row above the image).
        """
        width = self._image_shape[1]
        columns, above = [], []  # per layer: gates [W, N, 4u], initial [h, c]
        for index, lstm in enumerate(self._lstms):
            inputs = state["inputs"][index]  # [N, W, 2h]
            batch = tf.shape(inputs)[0]
            gates = tf.matmul(
                tf.reshape(inputs, [batch * width, -1]), self._rl_input_kernels[index]
            ) + tf.matmul(
                tf.reshape(state["right_to_left"][index], [batch * width, -1]),
                self._rl_above_kernels[index],
            )  # [N·W, 4u]
            gates = tf.reshape(gates, [batch, width, NUM_GATES * lstm.units])
            bias = self._rl_biases[index]
            gates = gates + (bias if bias.shape.rank == 1 else bias[:, tf.newaxis])
            columns.append(tf.transpose(gates, [1, 0, 2]))  # [W, N, 4u]
            zeros = tf.zeros([batch, lstm.units], self._dtype)
            above.append((zeros, zeros))

        def column_step(right, column_gates):
            """The states at column j from those at j + 1 (every layer)."""
            states = []
            for index, ((hidden, cell), gates) in enumerate(
                zip(right, column_gates, strict=True)
            ):
                gates = gates + tf.matmul(hidden, self._rl_beside_kernels[index])
                states.append(lstm_update(gates, cell))
            return tuple(states)

        # Right to left; the state right of the image is 0.
        states = tf.scan(
            column_step, tuple(columns), initializer=tuple(above), reverse=True
        )
        inside = tf.cast(row > 0, self._dtype)
        right_to_left = [
            inside * tf.transpose(hidden, [1, 0, 2])  # [N, W, u]
            for hidden, _ in states
        ]
        return {**state, "right_to_left": right_to_left}

    def step(self, state, row, col):
        x = self._ends.input_features(state["image"], row, col)  # [N, 2h]
        inputs, left_to_right = [], []
        for index, lstm in enumerate(self._lstms):
            u = lstm.units
            inputs.append(write_at(state["inputs"][index], (col,), x))  # [N, W, 2h]
            buffer = state["left_to_right"][index]  # [N, W + 1, 2u]
            left = tf.gather(buffer, col, axis=1)  # [N, 2u]: (row, col - 1)
            above = tf.gather(buffer, col + 1, axis=1)[:, :u]  # (row - 1, col)
            window = tf.concat([x, above, left[:, :u]], axis=-1)  # [N, 2h + 2u]
            gates = tf.matmul(window, self._lr_kernels[index]) + self._lr_biases[index]
            hidden, cell = lstm_update(gates, left[:, u:])  # [N, u] each
            new = tf.concat([hidden, cell], axis=-1)  # [N, 2u]
            left_to_right.append(write_at(buffer, (col + 1,), new))
            output = hidden + tf.gather(state["right_to_left"][index], col, axis=1)
            x = self.add_residual(index, x, output)  # [N, 2h]
        raw = self._ends.outputs(x)  # [N, P]
        return raw, {**state, "inputs": inputs, "left_to_right": left_to_right}
