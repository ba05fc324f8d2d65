"""The parts of a `PixelRNNNetwork` that both incremental LSTM networks share.

A `PixelRNNNetwork` (either cell) is a 7×7 mask-A input convolution, residual
LSTM layers (each fed a `ConditionalBias` as `gate_bias` when conditional, and
followed by a 1×1 convolution into the residual stream), and two 1×1 output
convolutions. `IncrementalRowLSTM` and `IncrementalDiagonalBiLSTM` differ only
in the LSTM layers; this module finds the layers around them and evaluates the
input and output convolutions at one pixel (`InputAndOutputConvs`).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.sampling.cached_sampler import write_at
from pixeldist.sampling.incremental_pixelcnn import causal_window_kernel, layer_bias


def gate_condition(lstm: keras.layers.Layer) -> ConditionalBias | None:
    """The `ConditionalBias` whose output `lstm` receives as `gate_bias`, if any."""
    for tensor in lstm._inbound_nodes[0].input_tensors:
        layer = tensor._keras_history.operation
        if isinstance(layer, ConditionalBias):
            return layer
    return None


def residual_conv(lstm: keras.layers.Layer) -> MaskedConv2D:
    """The 1×1 convolution that maps `lstm`'s output into the residual."""
    (node,) = lstm._outbound_nodes
    return node.operation


class InputAndOutputConvs:
    """A `PixelRNNNetwork`'s input and output convolutions at one pixel.

    Keeps the image in a zero-padded cache `[N, H + kh//2, W + 2·(kw//2), C]`
    (7×7 kernel: `kh = kw = 7`), and computes, at pixel `(i, j)`:

    ```none
    x   = image[:, i - kh//2 .. i, j - kw//2 .. j + kw//2] @ (M_A * K_in) + b_in
    raw = relu(relu(x) @ K_1 + b_1) @ K_2 + b_2
    ```

    with the causal-window kernels of `causal_window_kernel` (the mask-A input
    convolution sees only earlier pixels and the current pixel's earlier
    channel groups) and the 1×1 mask-B output convolutions as matrices.

    Args:
      network: a built `PixelRNNNetwork`.
    """

    def __init__(self, network: keras.Model):
        convs = [layer for layer in network.layers if isinstance(layer, MaskedConv2D)]
        self._input_conv = convs[0]
        self._output_convs = convs[-2:]
        self.image_shape = tuple(network.image_shape)
        self.dtype = self._input_conv.compute_dtype

    def prepare(self) -> None:
        """The kernels as matrices over their causal windows, and the biases."""
        conv = self._input_conv
        self._input_kernel = causal_window_kernel(conv, conv.mask)
        self._input_bias = layer_bias(conv)
        self._output_kernels = [
            causal_window_kernel(c, c.mask) for c in self._output_convs
        ]
        self._output_biases = [layer_bias(c) for c in self._output_convs]

    def empty_image(self, batch_size) -> tf.Tensor:
        """The zero image cache `[N, H + kh//2, W + 2·(kw//2), C]`."""
        height, width, channels = self.image_shape
        kh, kw = self._input_conv.kernel_size
        shape = [batch_size, height + kh // 2, width + 2 * (kw // 2), channels]
        return tf.zeros(shape, self.dtype)

    def write_pixel(self, image, pixel, row, col) -> tf.Tensor:
        """`image` with the scaled pixel `[N, C]` written at `(row, col)`."""
        kh, kw = self._input_conv.kernel_size
        position = (row + kh // 2, col + kw // 2)
        return write_at(image, position, tf.cast(pixel, self.dtype))

    def input_features(self, image, row, col) -> tf.Tensor:
        """The input convolution's output `x [N, 2h]` at `(row, col)`."""
        kh, kw = self._input_conv.kernel_size
        batch = tf.shape(image)[0]
        # Image rows row - kh//2 .. row, columns col - kw//2 .. col + kw//2.
        window = tf.slice(image, [0, row, col, 0], [-1, kh // 2 + 1, kw, -1])
        x = tf.matmul(tf.reshape(window, [batch, -1]), self._input_kernel)
        return x + self._input_bias  # [N, 2h]

    def outputs(self, x) -> tf.Tensor:
        """The network outputs `raw [N, P]` from the residual stream `x [N, 2h]`."""
        first, last = self._output_kernels
        first_bias, last_bias = self._output_biases
        x = tf.matmul(tf.nn.relu(x), first) + first_bias
        return tf.matmul(tf.nn.relu(x), last) + last_bias  # [N, P]
