"""A Row LSTM PixelRNN evaluated one pixel at a time, for the cached sampler."""

from __future__ import annotations

import tensorflow as tf

from pixeldist.layers.lstm_gates import lstm_update
from pixeldist.layers.row_lstm import RowLSTM
from pixeldist.sampling.cached_sampler import write_at
from pixeldist.sampling.incremental_pixelrnn import IncrementalPixelRNN


def _input_to_state_kernel(lstm: RowLSTM) -> tf.Tensor:
    """`lstm`'s masked `1 × k` input-to-state kernel as a matrix over its causal
    window (columns `j - k//2 .. j` of the current row), `[(k//2 + 1)·F, 4u]`.

    The columns right of the centre are zero under mask B: they are dropped.
    """
    dtype = lstm.compute_dtype
    kernel = tf.cast(tf.convert_to_tensor(lstm.input_kernel), dtype)
    kernel = kernel * tf.cast(lstm.input_mask, dtype)  # [1, k, F, 4u]
    kernel = kernel[0, : lstm.kernel_size // 2 + 1]  # [k//2 + 1, F, 4u]
    return tf.reshape(kernel, [-1, kernel.shape[-1]])


class IncrementalRowLSTM(IncrementalPixelRNN):
    """A Row LSTM `PixelRNNNetwork` computing one pixel per step from caches.

    The Row LSTM's gates at `(i, j)` are the sum of a state-to-state part, a
    width-`k` convolution over row `i - 1`'s hidden state (known in full once
    row `i - 1` is done), and an input-to-state part, a `1 × k` mask-B
    convolution over the current row's layer inputs at columns `j - k//2 .. j`.
    With `L` layers of `u` units, residual width `2h = 2u` and `p = k // 2`:

    - once per row (`start_row`), every layer's state-to-state part of the
      whole row from its hidden states of row `i - 1` `[N, W, u]`, as one
      matmul over the `k` shifted copies, plus the gate biases (the layer's
      `b` and the conditional `V y`): `ss [N, W, 4u]`.
    - once per pixel (`step`): the mask-A 7×7 input convolution over the
      cached image window (as in `IncrementalPixelCNN`); per layer, one write
      of the layer input `x [N, 2h]` into its row cache `[N, W + 2p, 2h]`,
      `gates = window @ K_is + ss[:, j]` with the window of columns
      `j - p .. j`, the LSTM update with the cell state `c[:, j]` of row
      `i - 1`, one write of `[h | c]` into the state buffer `[N, W, 2u]` (it
      then holds row `i` left of and at `j`, row `i - 1` right of it), and
      the residual `x + h @ K_res + b_res`; then the two 1×1 output
      convolutions. Per step and layer: two cache writes, one slice, two
      gathers, two matmuls.

    ```none
    ss_i[:, j] = sum_d h_{i-1}[:, j + d - p] @ K_ss[d] + b + V y
    gates      = x_i[:, j - p .. j] @ (M * K_is) + ss_i[:, j]
    c_i[:, j]  = sigmoid(f) * c_{i-1}[:, j] + sigmoid(i) * tanh(g)
    h_i[:, j]  = sigmoid(o) * tanh(c_i[:, j])
    ```

    Implements the incremental-network interface of
    `pixeldist.sampling.cached_sampler`.

    Args:
      network: a built `PixelRNNNetwork` with `cell="row_lstm"`.

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel
         Recurrent Neural Networks. ICML 2016, Section 3.1.
         https://arxiv.org/abs/1601.06759
    [2]: Prajit Ramachandran et al. Fast Generation for Convolutional
         Autoregressive Models. 2017. https://arxiv.org/abs/1704.06001
    """

    cell = "row_lstm"
    lstm_class = RowLSTM
    cell_title = "Row LSTM"

    def prepare_layers(self, condition) -> None:
        """Input-to-state and state-to-state kernels, gate biases."""
        self._is_kernels, self._ss_kernels, self._gate_biases = [], [], []
        for index, lstm in enumerate(self._lstms):
            self._is_kernels.append(_input_to_state_kernel(lstm))
            recurrent = tf.cast(
                tf.convert_to_tensor(lstm.recurrent_kernel), self._dtype
            )
            self._ss_kernels.append(
                tf.reshape(recurrent, [-1, recurrent.shape[-1]])
            )  # [k·u, 4u]
            bias = tf.cast(tf.convert_to_tensor(lstm.bias), self._dtype)
            gate_bias = self.gate_bias(index, condition)
            if gate_bias is not None:
                bias = bias + gate_bias
            self._gate_biases.append(bias)  # [4u] or [N, 4u]

    def initial_state(self, batch_size, condition=None) -> dict:
        """Zero caches: the padded image, and per layer the row of inputs, the
        `[h | c]` states (zero above the first row) and the row's `ss`."""
        self.prepare(condition)
        width = self._image_shape[1]

        def zeros(*shape):
            return tf.zeros([batch_size, *shape], self._dtype)

        inputs, states, ss = [], [], []
        for lstm in self._lstms:
            p, u = lstm.kernel_size // 2, lstm.units
            inputs.append(zeros(width + 2 * p, lstm.input_kernel.shape[2]))
            states.append(zeros(width, 2 * u))
            ss.append(zeros(width, 4 * u))
        return {
            "image": self._ends.empty_image(batch_size),
            "inputs": inputs,
            "states": states,
            "ss": ss,
        }

    def start_row(self, state, row) -> dict:
        """Every layer's state-to-state part of row `row`, with the gate biases."""
        del row  # the state buffers hold row - 1 in full here
        width = self._image_shape[1]
        ss = []
        for index, (lstm, states) in enumerate(
            zip(self._lstms, state["states"], strict=True)
        ):
            k, p, u = lstm.kernel_size, lstm.kernel_size // 2, lstm.units
            batch = tf.shape(states)[0]
            hidden = tf.pad(states[..., :u], [[0, 0], [p, p], [0, 0]])  # [N, W+2p, u]
            patches = tf.concat(
                [hidden[:, d : d + width] for d in range(k)], axis=-1
            )  # [N, W, k·u]
            row_ss = tf.matmul(
                tf.reshape(patches, [batch * width, -1]), self._ss_kernels[index]
            )
            bias = self._gate_biases[index]
            bias = bias if bias.shape.rank == 1 else bias[:, tf.newaxis]
            ss.append(tf.reshape(row_ss, [batch, width, 4 * u]) + bias)  # [N, W, 4u]
        return {**state, "ss": ss}

    def step(self, state, row, col):
        batch = tf.shape(state["image"])[0]
        x = self._ends.input_features(state["image"], row, col)  # [N, 2h]
        inputs, states = [], []
        for index, lstm in enumerate(self._lstms):
            p, u = lstm.kernel_size // 2, lstm.units
            buffer = write_at(state["inputs"][index], (col + p,), x)  # [N, W+2p, 2h]
            inputs.append(buffer)
            window = tf.slice(buffer, [0, col, 0], [-1, p + 1, -1])  # [N, p+1, 2h]
            gates = tf.matmul(tf.reshape(window, [batch, -1]), self._is_kernels[index])
            gates = gates + tf.gather(state["ss"][index], col, axis=1)  # [N, 4u]
            above = tf.gather(state["states"][index], col, axis=1)  # [N, 2u]
            hidden, cell = lstm_update(gates, above[:, u:])  # [N, u] each
            new = tf.concat([hidden, cell], axis=-1)  # [N, 2u]
            states.append(write_at(state["states"][index], (col,), new))  # [N, W, 2u]
            x = self.add_residual(index, x, hidden)  # [N, 2h]
        raw = self._ends.outputs(x)  # [N, P]
        return raw, {**state, "inputs": inputs, "states": states}
