"""PixelCNN evaluated one pixel at a time, for the cached sampler."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.sampling.cached_sampler import write_at


def causal_window_kernel(conv: keras.layers.Layer, mask=None) -> tf.Tensor:
    """The kernel of `conv` as a matrix over its causal window.

    A `kh × kw` raster-order convolution reads, at (i, j), the rows
    `i - kh // 2 .. i` (everything below is masked), so its output there is

    ```none
    y[n, :] = window[n, :] @ K
    window  = x[n, i - kh//2 .. i, j - kw//2 .. j + kw//2, :]   # flattened
    K       = (M * kernel)[: kh//2 + 1]                         # flattened
    ```

    one matmul per position. Entries of the window right of the current pixel
    (not yet computed) meet zeros of the mask `M`.

    Args:
      conv: a layer with a `kernel [kh, kw, C_in, C_out]`.
      mask: `[kh, kw, C_in, C_out]` or None (unmasked).

    Returns:
      `[(kh // 2 + 1) * kw * C_in, C_out]` in `conv`'s compute dtype.
    """
    dtype = conv.compute_dtype
    kernel = tf.cast(tf.convert_to_tensor(conv.kernel), dtype)
    if mask is not None:
        kernel = kernel * tf.cast(mask, dtype)
    kh = kernel.shape[0]
    kernel = kernel[: kh // 2 + 1]
    return tf.reshape(kernel, [-1, kernel.shape[-1]])


def layer_bias(conv: keras.layers.Layer, *extra) -> tf.Tensor:
    """`conv`'s bias `[C_out]` plus the `[N, 1, 1, C_out]` biases in `extra`.

    Returns `[C_out]` or `[N, C_out]`: the constant every step adds, summed
    once per generation.
    """
    dtype = conv.compute_dtype
    bias = tf.cast(tf.convert_to_tensor(conv.bias), dtype)
    for term in extra:
        bias = bias + tf.cast(term[:, 0, 0, :], dtype)  # [N, C_out]
    return bias


def _condition_layer(conv: MaskedConv2D) -> ConditionalBias | None:
    """The `ConditionalBias` whose output is added to `conv`'s, if any."""
    for node in conv._outbound_nodes:
        for tensor in node.operation._inbound_nodes[0].input_tensors:
            layer = tensor._keras_history.operation
            if isinstance(layer, ConditionalBias):
                return layer
    return None


class IncrementalPixelCNN:
    """A `PixelCNNNetwork` computing one pixel per step from cached inputs.

    For each spatial masked convolution (the mask-A input convolution and the
    `kernel_size` convolution of every residual block) the object caches the
    convolution's input in a zero-padded buffer `[N, H + kh//2, W + 2·(kw//2),
    C_in]`; a step writes the current position and multiplies the causal
    window by the masked kernel (`causal_window_kernel`). The 1×1 convolutions,
    ReLUs and residual sums act on `[N, C]` vectors of the current position,
    and the conditional biases are added to the convolution biases once per
    generation. Per step and residual block: one cache write, one window
    slice, three matmuls.

    Implements the incremental-network interface of
    `pixeldist.sampling.cached_sampler` (no row-level work: `start_row` is
    None).

    Args:
      network: a built `PixelCNNNetwork`.

    #### References

    [1]: Prajit Ramachandran et al. Fast Generation for Convolutional
         Autoregressive Models. 2017. https://arxiv.org/abs/1704.06001
    """

    start_row = None

    def __init__(self, network: keras.Model):
        convs = [layer for layer in network.layers if isinstance(layer, MaskedConv2D)]
        self._network = network
        self._convs = convs
        self._conditions = [_condition_layer(conv) for conv in convs]
        self._image_shape = tuple(network.image_shape)
        self._first = 0
        self._blocks = [
            (1 + 3 * b, 2 + 3 * b, 3 + 3 * b) for b in range(network.num_layers)
        ]
        self._head = (len(convs) - 2, len(convs) - 1)
        self._spatial = [self._first] + [block[1] for block in self._blocks]

    def prepare(self, condition) -> None:
        """Kernels and biases of this generation (the condition's biases)."""
        self._kernels, self._biases = [], []
        for conv, cond in zip(self._convs, self._conditions, strict=True):
            self._kernels.append(causal_window_kernel(conv, conv.mask))
            extra = () if cond is None else (cond(condition),)
            self._biases.append(layer_bias(conv, *extra))

    def initial_state(self, batch_size, condition=None) -> list[tf.Tensor]:
        """Zero caches: the input of every spatial convolution, padded."""
        self.prepare(condition)
        height, width, _ = self._image_shape
        state = []
        for index in self._spatial:
            conv = self._convs[index]
            kh, kw = conv.kernel_size
            channels = conv.kernel.shape[2]
            shape = [batch_size, height + kh // 2, width + 2 * (kw // 2), channels]
            state.append(tf.zeros(shape, conv.compute_dtype))
        return state

    def _cache_position(self, index, row, col):
        kh, kw = self._convs[index].kernel_size
        return (row + kh // 2, col + kw // 2)

    def _window(self, buffer, index, row, col):
        kh, kw = self._convs[index].kernel_size
        window = tf.slice(buffer, [0, row, col, 0], [-1, kh // 2 + 1, kw, -1])
        return tf.reshape(window, [tf.shape(buffer)[0], -1])  # [N, (kh//2+1)·kw·C]

    def _dense(self, x, index):
        return tf.matmul(x, self._kernels[index]) + self._biases[index]

    def write_pixel(self, state, pixel, row, col):
        image = tf.cast(pixel, self._convs[0].compute_dtype)  # [N, C]
        position = self._cache_position(self._first, row, col)
        return [write_at(state[0], position, image), *state[1:]]

    def step(self, state, row, col):
        relu = tf.nn.relu
        x = self._dense(self._window(state[0], self._first, row, col), self._first)
        new_state = [state[0]]  # x: [N, 2h]
        for (narrow, spatial, widen), buffer in zip(
            self._blocks, state[1:], strict=True
        ):
            y = relu(self._dense(relu(x), narrow))  # [N, h]
            buffer = write_at(buffer, self._cache_position(spatial, row, col), y)
            new_state.append(buffer)
            y = self._dense(self._window(buffer, spatial, row, col), spatial)
            x = x + self._dense(relu(y), widen)  # [N, 2h]
        first, last = self._head
        raw = self._dense(relu(self._dense(relu(x), first)), last)  # [N, P]
        return raw, new_state
