"""Gated PixelCNN evaluated one pixel at a time, for the cached sampler."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.layers.gated_pixelcnn_block import GatedPixelCNNBlock
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.sampling.cached_sampler import write_at
from pixeldist.sampling.incremental_pixelcnn import causal_window_kernel, layer_bias


def _gate(features):
    """`tanh(f) * sigmoid(g)` of `features [..., 2p] = [f | g]`, `[..., p]`."""
    f, g = tf.split(features, 2, axis=-1)
    return tf.tanh(f) * tf.sigmoid(g)


class IncrementalGatedPixelCNN:
    """A `GatedPixelCNNNetwork` computing one pixel per step from cached inputs.

    With `L` blocks of `p` features and kernel `k` (vertical window
    `kv = k // 2 + 1` rows × k columns, horizontal window `w = k // 2 + 1`
    columns):

    - once per row (`start_row`), the whole vertical stack of the row, which
      sees earlier rows only: block b's down-shifted convolution over its last
      `kv` input rows `[N, kv, W + k - 1, C_v]` gives `a_v [N, W, 2p]`, and
      the link `a_v @ W_link` plus every constant bias of the horizontal
      gate (`b_h + V' c + b_link`) is kept as `link_b [N, W, 2p]`; `gate(a_v)`
      enters block b + 1's rolling window of rows. Block 0 reads the image
      cache `[N, H + kv, W + k - 1, C]`, padded as its convolution pads.
    - once per pixel (`step`), the horizontal stack at (i, j): block b reads
      its row cache `[N, W + w - 1, p]` at columns `j - w + 1 .. j`,
      `a_h = window @ (M * K_h) + link_b[:, j]`, then
      `h' = h + gate(a_h) @ (M * K_out) + b_out` (no residual in block 0),
      and the two 1×1 output convolutions. Per step and block: one cache
      write, one slice, one gather, two matmuls and the gate.

    Implements the incremental-network interface of
    `pixeldist.sampling.cached_sampler`.

    Args:
      network: a built `GatedPixelCNNNetwork`.

    #### References

    [1]: Aaron van den Oord et al. Conditional Image Generation with PixelCNN
         Decoders. NeurIPS 2016. https://arxiv.org/abs/1606.05328
    [2]: Prajit Ramachandran et al. Fast Generation for Convolutional
         Autoregressive Models. 2017. https://arxiv.org/abs/1704.06001
    """

    def __init__(self, network: keras.Model):
        self._blocks = [
            layer for layer in network.layers if isinstance(layer, GatedPixelCNNBlock)
        ]
        self._head = [
            layer for layer in network.layers if isinstance(layer, MaskedConv2D)
        ]
        self._image_shape = tuple(network.image_shape)
        self._kernel_size = self._blocks[0].kernel_size
        self._filters = self._blocks[0].filters
        self._dtype = self._head[0].compute_dtype

    def prepare(self, condition) -> None:
        """Kernels and biases of this generation (the condition's biases)."""
        self._vertical_kernels, self._vertical_biases = [], []
        self._horizontal_kernels, self._link_kernels, self._link_biases = [], [], []
        self._output_kernels, self._output_biases = [], []
        for block in self._blocks:
            v_conv, h_conv = block.vertical_conv, block.horizontal_conv
            link, out = block.vertical_to_horizontal, block.horizontal_output
            v_extra = h_extra = ()
            if block.vertical_condition is not None:
                v_extra = (block.vertical_condition(condition),)
                h_extra = (block.horizontal_condition(condition),)
            kernel = tf.cast(tf.convert_to_tensor(v_conv.kernel), self._dtype)
            self._vertical_kernels.append(
                tf.reshape(kernel, [-1, kernel.shape[-1]])
            )  # [kv·k·C_v, 2p]
            self._vertical_biases.append(layer_bias(v_conv, *v_extra))
            # The horizontal kernel is one row, so its "causal window" is it all.
            self._horizontal_kernels.append(causal_window_kernel(h_conv, h_conv.mask))
            self._link_kernels.append(causal_window_kernel(link))  # [2p, 2p]
            self._link_biases.append(
                layer_bias(link) + layer_bias(h_conv, *h_extra)
            )  # [2p] or [N, 2p]
            self._output_kernels.append(causal_window_kernel(out, out.mask))
            self._output_biases.append(layer_bias(out))
        self._head_kernels = [causal_window_kernel(c, c.mask) for c in self._head]
        self._head_biases = [layer_bias(c) for c in self._head]

    def initial_state(self, batch_size, condition=None) -> dict:
        """Zero caches: the padded image, vertical row windows, row buffers."""
        self.prepare(condition)
        height, width, channels = self._image_shape
        k, p = self._kernel_size, self._filters
        rows, cols = k // 2 + 1, k // 2 + 1
        later = len(self._blocks) - 1

        def zeros(*shape):
            return tf.zeros([batch_size, *shape], self._dtype)

        return {
            "image": zeros(height + rows, width + k - 1, channels),
            "vertical": [zeros(rows, width + k - 1, p) for _ in range(later)],
            "horizontal": [zeros(width + cols - 1, p) for _ in range(later)],
            "link": [zeros(width, 2 * p) for _ in self._blocks],
        }

    def start_row(self, state, row) -> dict:
        """The vertical stack of row `row` and its links into the horizontal one."""
        k, rows = self._kernel_size, self._kernel_size // 2 + 1
        # Block 0 reads image rows row - kv .. row - 1 (padded: row .. row + kv - 1).
        window = tf.slice(state["image"], [0, row, 0, 0], [-1, rows, -1, -1])
        a_v = self._vertical(window, 0)  # [N, W, 2p]
        vertical, links = [], [self._link(a_v, 0)]
        for index, block_window in enumerate(state["vertical"], start=1):
            # Block `index` reads its input rows row - kv + 1 .. row: roll in the
            # gated row of the block below, padded like its convolution.
            new_row = tf.pad(_gate(a_v), [[0, 0], [k // 2, k // 2], [0, 0]])
            window = tf.concat([block_window[:, 1:], new_row[:, tf.newaxis]], axis=1)
            vertical.append(window)  # [N, kv, W + k - 1, p]
            a_v = self._vertical(window, index)
            links.append(self._link(a_v, index))
        return {**state, "vertical": vertical, "link": links}

    def _vertical(self, window, index):
        """Block `index`'s vertical pre-activations `[N, W, 2p]` of one row, from
        its input rows `window [N, kv, W + k - 1, C_v]`, as one matmul."""
        k, width = self._kernel_size, self._image_shape[1]
        batch = tf.shape(window)[0]
        patches = tf.stack(
            [window[:, :, d : d + width] for d in range(k)], axis=3
        )  # [N, kv, W, k, C_v]
        patches = tf.transpose(patches, [0, 2, 1, 3, 4])  # [N, W, kv, k, C_v]
        a_v = tf.matmul(
            tf.reshape(patches, [batch * width, -1]), self._vertical_kernels[index]
        )  # [N·W, 2p]
        return tf.reshape(a_v, [batch, width, -1]) + _per_row(
            self._vertical_biases[index]
        )

    def _link(self, a_v, index):
        """`a_v @ W_link` plus the horizontal gate's constant terms, `[N, W, 2p]`."""
        batch, width, features = tf.shape(a_v)[0], a_v.shape[1], a_v.shape[2]
        link = tf.matmul(tf.reshape(a_v, [-1, features]), self._link_kernels[index])
        link = tf.reshape(link, [batch, width, features])
        return link + _per_row(self._link_biases[index])

    def write_pixel(self, state, pixel, row, col) -> dict:
        rows = self._kernel_size // 2 + 1
        position = (row + rows, col + self._kernel_size // 2)
        image = write_at(state["image"], position, tf.cast(pixel, self._dtype))
        return {**state, "image": image}

    def step(self, state, row, col):
        k = self._kernel_size
        cols = k // 2 + 1
        batch = tf.shape(state["image"])[0]
        # Image columns col - k//2 .. col of row `row` (padded: col .. col + k//2).
        window = tf.slice(
            state["image"], [0, row + cols, col, 0], [-1, 1, cols, -1]
        )  # [N, 1, w, C]
        horizontal, h = [], None
        for index in range(len(self._blocks)):
            if index > 0:
                buffer = write_at(
                    state["horizontal"][index - 1], (col + cols - 1,), h
                )  # [N, W + w - 1, p]
                horizontal.append(buffer)
                window = tf.slice(buffer, [0, col, 0], [-1, cols, -1])  # [N, w, p]
            a_h = tf.matmul(
                tf.reshape(window, [batch, -1]), self._horizontal_kernels[index]
            ) + tf.gather(state["link"][index], col, axis=1)  # [N, 2p]
            out = tf.matmul(_gate(a_h), self._output_kernels[index])
            out = out + self._output_biases[index]  # [N, p]
            h = out if index == 0 else h + out
        x = tf.nn.relu(h)
        x = tf.matmul(x, self._head_kernels[0]) + self._head_biases[0]
        raw = tf.matmul(tf.nn.relu(x), self._head_kernels[1]) + self._head_biases[1]
        return raw, {**state, "horizontal": horizontal}


def _per_row(bias):
    """A bias `[D]` or `[N, D]` as `[D]` or `[N, 1, D]`, to add to `[N, W, D]`."""
    return bias if bias.shape.rank == 1 else bias[:, tf.newaxis]
