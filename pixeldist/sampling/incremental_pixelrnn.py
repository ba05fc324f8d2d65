"""What the two incremental PixelRNN networks share, around their LSTM layers."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.sampling.incremental_pixelcnn import causal_window_kernel, layer_bias
from pixeldist.sampling.pixelrnn_network_parts import (
    InputAndOutputConvs,
    gate_condition,
    residual_conv,
)


class IncrementalPixelRNN:
    """Base of `IncrementalRowLSTM` and `IncrementalDiagonalBiLSTM`.

    Finds a `PixelRNNNetwork`'s LSTM layers (instances of `lstm_class`), their
    conditional gate biases and residual 1×1 convolutions, and the input and
    output convolutions (`InputAndOutputConvs`). Per generation (`prepare`)
    it computes the residual convolutions as matrices; per pixel, layer `l`
    adds `output @ K_res_l + b_res_l` to the residual stream `x [N, 2h]`
    (`add_residual`). Subclasses implement the LSTM layers' caches and steps
    (`prepare_layers`, `initial_state`, `start_row`, `step`).

    Args:
      network: a built `PixelRNNNetwork` whose `cell` is the subclass's `cell`.
    """

    #: `PixelRNNNetwork.cell` of the networks a subclass evaluates.
    cell: str
    #: the LSTM layer class of that cell.
    lstm_class: type
    #: the cell's name in error messages.
    cell_title: str

    def __init__(self, network: keras.Model):
        if network.cell != self.cell:
            raise ValueError(
                f"`{type(self).__name__}` needs a {self.cell_title} network, "
                f"got {network.cell!r}."
            )
        self._lstms = [
            layer for layer in network.layers if isinstance(layer, self.lstm_class)
        ]
        self._ends = InputAndOutputConvs(network)
        self._residuals = [residual_conv(lstm) for lstm in self._lstms]
        self._conditions = [gate_condition(lstm) for lstm in self._lstms]
        self._image_shape = self._ends.image_shape
        self._dtype = self._ends.dtype

    def prepare(self, condition) -> None:
        """Kernels and biases of this generation (the condition's biases)."""
        self._ends.prepare()
        self._residual_kernels = [
            causal_window_kernel(residual, residual.mask)
            for residual in self._residuals
        ]
        self._residual_biases = [layer_bias(residual) for residual in self._residuals]
        self.prepare_layers(condition)

    def prepare_layers(self, condition) -> None:
        """The LSTM layers' kernels and biases of this generation."""
        raise NotImplementedError

    def gate_bias(self, index: int, condition) -> tf.Tensor | None:
        """Layer `index`'s conditional gate bias `V y [N, 4u]` (added to the
        gates of every direction), or None for an unconditional model."""
        cond = self._conditions[index]
        if cond is None:
            return None
        return tf.cast(cond(condition)[:, 0, 0, :], self._dtype)

    def add_residual(self, index: int, x: tf.Tensor, output: tf.Tensor) -> tf.Tensor:
        """The residual stream after layer `index`: `x + output @ K_res + b_res`."""
        residual = tf.matmul(output, self._residual_kernels[index])
        return x + (residual + self._residual_biases[index])  # [N, 2h]

    def write_pixel(self, state, pixel, row, col) -> dict:
        image = self._ends.write_pixel(state["image"], pixel, row, col)
        return {**state, "image": image}
