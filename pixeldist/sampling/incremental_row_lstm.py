"""A Row LSTM PixelRNN evaluated one pixel at a time, for the cached sampler."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.layers.lstm_gates import lstm_update
from pixeldist.layers.row_lstm import RowLSTM
from pixeldist.sampling.cached_sampler import write_at
from pixeldist.sampling.incremental_pixelcnn import causal_window_kernel, layer_bias
from pixeldist.sampling.pixelrnn_network_parts import (
    InputAndOutputConvs,
    gate_condition,
    residual_conv,
)


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


class IncrementalRowLSTM:
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

    def __init__(self, network: keras.Model):
        if network.cell != "row_lstm":
            raise ValueError(
                f"`IncrementalRowLSTM` needs a Row LSTM network, got {network.cell!r}."
            )
        self._lstms = [layer for layer in network.layers if isinstance(layer, RowLSTM)]
        self._ends = InputAndOutputConvs(network)
        self._residuals = [residual_conv(lstm) for lstm in self._lstms]
        self._conditions = [gate_condition(lstm) for lstm in self._lstms]
        self._image_shape = self._ends.image_shape
        self._dtype = self._ends.dtype

    def prepare(self, condition) -> None:
        """Kernels and biases of this generation (the condition's biases)."""
        self._ends.prepare()
        self._is_kernels, self._ss_kernels, self._gate_biases = [], [], []
        self._residual_kernels, self._residual_biases = [], []
        for lstm, cond, residual in zip(
            self._lstms, self._conditions, self._residuals, strict=True
        ):
            self._is_kernels.append(_input_to_state_kernel(lstm))
            recurrent = tf.cast(
                tf.convert_to_tensor(lstm.recurrent_kernel), self._dtype
            )
            self._ss_kernels.append(
                tf.reshape(recurrent, [-1, recurrent.shape[-1]])
            )  # [k·u, 4u]
            bias = tf.cast(tf.convert_to_tensor(lstm.bias), self._dtype)
            if cond is not None:
                bias = bias + tf.cast(cond(condition)[:, 0, 0, :], self._dtype)
            self._gate_biases.append(bias)  # [4u] or [N, 4u]
            self._residual_kernels.append(causal_window_kernel(residual, residual.mask))
            self._residual_biases.append(layer_bias(residual))

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

    def write_pixel(self, state, pixel, row, col) -> dict:
        image = self._ends.write_pixel(state["image"], pixel, row, col)
        return {**state, "image": image}

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
            residual = tf.matmul(hidden, self._residual_kernels[index])
            x = x + (residual + self._residual_biases[index])  # [N, 2h]
        raw = self._ends.outputs(x)  # [N, P]
        return raw, {**state, "inputs": inputs, "states": states}
