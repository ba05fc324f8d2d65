"""PixelCNN++ evaluated one pixel at a time, for the cached sampler."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.layers.gated_residual_block import GatedResidualBlock
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.layers.network_in_network import NetworkInNetwork
from pixeldist.layers.shift import Shift
from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.layers.shifted_conv2d_transpose import ShiftedConv2DTranspose
from pixeldist.sampling.cached_sampler import write_at

#: When each tensor of the network is computed. "row": a whole row at a time
#: in `start_row` (it sees earlier rows only: the vertical stream u); "pos":
#: one position per `step` (it sees the current row left of the position: the
#: horizontal stream ul); "pixel": per `step`, not cached (it sees the current
#: pixel: the masked output stack of the categorical head); "image_conv": a
#: convolution of the image that a `Shift` makes causal, computed by the shift.
#: The image itself is "image".
_ROW, _POS, _PIXEL, _IMAGE_CONV = "row", "pos", "pixel", "image_conv"
_IMAGE = "image"


class _Tensor:
    """Bookkeeping of one tensor of the network's graph."""

    def __init__(self, key, level, kind, features):
        self.key, self.level, self.kind, self.features = key, level, kind, features
        self.plain = self.act = self.dilated = False  # which caches it needs


class IncrementalPixelCNNPlusPlus:
    """A `PixelCNNPlusPlusNetwork` computing one pixel per step from caches.

    The incremental evaluation of Ramachandran et al. (2017), for the U-Net of
    PixelCNN++. The object walks the network's functional graph once and sorts
    each tensor at resolution level `l` (`[N, H / 2^l, W / 2^l, D]`) by what
    it sees of the image:

    - the vertical stream u at row i sees fine rows `< 2^l i` only: its whole
      row i is computed in `start_row(2^l i)`, by convolutions of the cached
      rows above (`[N, kh, W_l + pad, D]` windows, one `conv2d` per layer);
    - the horizontal stream ul at (i, j) sees fine rows `< 2^l i` and row
      `2^l i` left of column `2^l j`: it is computed in `step(2^l i, 2^l j)`,
      each convolution one matmul of its cached window `[N, kh · kw · D]`.
      Coarser positions are computed before the finer ones of the same step
      that read them through the transposed convolutions.

    Every convolution's input has a zero-padded cache `[N, H_l + kh - 1,
    W_l + 2 pad, D]` (a gated block caches its activated input and its hidden
    activations, so the zero padding stays zero for any activation). A
    transposed convolution with stride 2 reads its input from a *dilated* cache
    at the finer level (coarse (i, j) at fine (2i, 2j), zeros between), where
    it is a stride-1 shifted convolution with the flipped kernel:

    ```none
    y[r, c] = b + sum_{a, d} K[a, d] x[i, j]  over  2i + a = r, 2j + d - o = c
            = b + sum_{a', d'} K[kh-1-a', kw-1-d'] x_dil[r - kh + 1 + a', c - o' + d']
    ```

    with `o' = kw - 1 - o` the column offset of the matching `ShiftedConv2D`.
    A level-l tensor is in fact recomputed at every row (every step), at
    `r // 2^l` (`(r // 2^l, c // 2^l)`), not only when `2^l` divides `r`
    (and `c`): a recomputation reads complete caches only and gives the same
    value, and it spares the step any control flow.

    Weight-normalized kernels, conditional biases and the masked output
    kernels are computed once per generation in `initial_state`; dropout is
    off (inference).

    Implements the incremental-network interface of
    `pixeldist.sampling.cached_sampler`.

    Args:
      network: a built `PixelCNNPlusPlusNetwork`.

    #### References

    [1]: Prajit Ramachandran et al. Fast Generation for Convolutional
         Autoregressive Models. 2017. https://arxiv.org/abs/1704.06001
    [2]: Tim Salimans et al. PixelCNN++. ICLR 2017.
         https://arxiv.org/abs/1701.05517
    """

    def __init__(self, network: keras.Model):
        self._image_shape = tuple(network.image_shape)
        self._dtype = network.layers[-1].compute_dtype
        rows, cols = network.receptive_field_dims
        # Padding of every cache: above, and each side.
        self._pad_rows, self._pad_cols = max(rows - 2, 1), max(cols // 2, 1)
        self._activation = network.resnet_activation
        image = network.inputs[0]
        self._tensors = {id(image): _Tensor(_IMAGE, 0, _IMAGE, image.shape[-1])}
        self._tensors[id(image)].plain = True
        self._ops_by_output = {}
        self._ops = []  # (layer, input tensor infos, output tensor info)
        for op in network.operations:
            if isinstance(op, keras.layers.InputLayer):
                continue
            node = op._inbound_nodes[0]
            output = node.output_tensors[0]
            args = node.arguments.args
            kwargs = node.arguments.kwargs
            if isinstance(op, (keras.layers.Add, keras.layers.Concatenate)):
                inputs = list(args[0])
            elif isinstance(op, GatedResidualBlock):
                inputs = [args[0], kwargs.get("auxiliary")]
            else:
                inputs = [args[0]]
            infos = [None if t is None else self._tensors[id(t)] for t in inputs]
            info = _Tensor(
                f"t{len(self._ops)}",
                self._level(output),
                self._kind(op, infos),
                output.shape[-1],
            )
            self._tensors[id(output)] = info
            self._ops_by_output[id(info)] = op
            self._ops.append((op, infos, info))
            self._mark_caches(op, infos, info)
        self._output = self._tensors[id(network.outputs[0])]

    def _level(self, tensor) -> int:
        return (self._image_shape[0] // tensor.shape[1]).bit_length() - 1

    @staticmethod
    def _kind(op, infos) -> str:
        kinds = {info.kind for info in infos if info is not None}
        if isinstance(op, ShiftedConv2D) and kinds == {_IMAGE}:
            return _IMAGE_CONV
        if isinstance(op, Shift):
            if kinds != {_IMAGE_CONV}:
                raise ValueError("A `Shift` must follow a convolution of the image.")
            return _ROW if op.direction == "down" else _POS
        if isinstance(op, MaskedConv2D) or _IMAGE in kinds or _PIXEL in kinds:
            if isinstance(op, MaskedConv2D) and op.kernel_size != (1, 1):
                raise ValueError("Only 1×1 masked output convolutions are supported.")
            return _PIXEL
        return _POS if _POS in kinds else _ROW

    @staticmethod
    def _mark_caches(op, infos, info) -> None:
        if isinstance(op, ShiftedConv2DTranspose):
            infos[0].dilated = True
        elif isinstance(op, ShiftedConv2D):
            infos[0].plain = True
        elif isinstance(op, GatedResidualBlock):
            infos[0].act = True
        for other in infos:
            # A step reads the rows `start_row` computed from their caches.
            if other is not None and other.kind == _ROW and info.kind != _ROW:
                other.plain = True

    # -- Once per generation ---------------------------------------------------

    def prepare(self, condition) -> None:
        """Kernels `[kh · kw · C, F]` (or `[C, F]`) and biases of this generation."""
        self._kernels, self._biases = {}, {}

        def conv_kernel(conv):
            kernel = tf.cast(conv.kernel_value(), self._dtype)
            if isinstance(conv, ShiftedConv2DTranspose):
                # [kh, kw, F, C] scatter = correlation with the flipped kernel.
                kernel = tf.transpose(kernel[::-1, ::-1], [0, 1, 3, 2])
            self._kernels[id(conv)] = kernel  # [kh, kw, C, F]
            self._biases[id(conv)] = tf.cast(conv.bias, self._dtype)

        for op, _, _ in self._ops:
            if isinstance(op, ShiftedConv2D):
                conv_kernel(op)
            elif isinstance(op, NetworkInNetwork):
                conv_kernel(op)
            elif isinstance(op, MaskedConv2D):
                kernel = tf.cast(op.kernel, self._dtype) * tf.cast(op.mask, self._dtype)
                self._kernels[id(op)] = kernel[0, 0]  # [C, F]
                self._biases[id(op)] = (
                    tf.cast(op.bias, self._dtype)
                    if op.use_bias
                    else tf.zeros([op.filters], self._dtype)
                )
            elif isinstance(op, GatedResidualBlock):
                for conv in (op.conv_in, op.conv_out):
                    conv_kernel(conv)
                if op.auxiliary_projection is not None:
                    conv_kernel(op.auxiliary_projection)
                if op.conditional_bias is not None:
                    extra = op.conditional_bias(condition)[:, 0, 0, :]  # [N, 2F]
                    self._biases[id(op.conv_out)] = self._biases[
                        id(op.conv_out)
                    ] + tf.cast(extra, self._dtype)

    def initial_state(self, batch_size, condition=None) -> dict:
        """Zero caches of every tensor (and view) the incremental steps read."""
        self.prepare(condition)
        height, width, _ = self._image_shape

        def zeros(level, features):
            return tf.zeros(
                [
                    batch_size,
                    (height >> level) + self._pad_rows,
                    (width >> level) + 2 * self._pad_cols,
                    features,
                ],
                self._dtype,
            )

        state = {"image": zeros(0, self._image_shape[2])}
        widen = 2 if self._activation == "concat_elu" else 1
        for op, _, info in self._ops:
            if info.plain:
                state[info.key] = zeros(info.level, info.features)
            if info.act:
                state[info.key + "/act"] = zeros(info.level, widen * info.features)
            if info.dilated:
                state[info.key + "/dilated"] = zeros(info.level - 1, info.features)
            if isinstance(op, GatedResidualBlock):
                state[info.key + "/hidden"] = zeros(info.level, widen * info.features)
        return state

    # -- Shared pieces ---------------------------------------------------------

    def _act(self, x):
        if self._activation == "concat_elu":
            return tf.nn.elu(tf.concat([x, -x], axis=-1))
        return keras.activations.get(self._activation)(x)

    def _width(self, level) -> int:
        return self._image_shape[1] >> level

    def _conv(self, conv, buffer, level, mode, i, j):
        """`conv` at row i (`[N, W_l, F]`) or position (i, j) (`[N, F]`) of level
        `level` (the output's), from the padded cache `buffer` of its input."""
        kernel, bias = self._kernels[id(conv)], self._biases[id(conv)]
        kh, kw = conv.kernel_size
        stride = 1 if isinstance(conv, ShiftedConv2DTranspose) else conv.strides[0]
        offset = (kw - 1) // 2 if conv.direction == "down" else kw - 1
        top = stride * i - kh + 1 + self._pad_rows
        if mode == _ROW:
            width = self._width(level)
            left = self._pad_cols - offset
            window = tf.slice(
                buffer, [0, top, left, 0], [-1, kh, stride * (width - 1) + kw, -1]
            )  # [N, kh, ·, C]
            y = tf.nn.conv2d(window, kernel, [1, 1, stride, 1], "VALID")[:, 0]
            return y + _per_row(bias)  # [N, W_l, F]
        left = stride * j - offset + self._pad_cols
        window = tf.slice(buffer, [0, top, left, 0], [-1, kh, kw, -1])  # [N, kh, kw, C]
        batch = tf.shape(buffer)[0]
        flat = tf.reshape(kernel, [-1, kernel.shape[-1]])  # [kh · kw · C, F]
        return tf.matmul(tf.reshape(window, [batch, -1]), flat) + bias  # [N, F]

    def _dense(self, layer, x):
        """A 1×1 layer on `[..., C]` with its prepared kernel `[C, F]`."""
        return tf.matmul(x, self._kernels[id(layer)]) + _per_row(
            self._biases[id(layer)]
        )

    def _write(self, state, key, level, mode, i, j, value, dilate=False):
        """`value` at row i or position (i, j) of the cache `key`."""
        rows, cols = self._pad_rows, self._pad_cols
        if mode == _ROW:
            if dilate:  # even columns of fine row 2i
                value = tf.reshape(
                    tf.stack([value, tf.zeros_like(value)], axis=2),
                    [-1, 2 * value.shape[1], value.shape[2]],
                )
                i = 2 * i
            padded = tf.pad(value, [[0, 0], [cols, cols], [0, 0]])
            return write_at(state[key], (i + rows,), padded)
        if dilate:
            i, j = 2 * i, 2 * j
        return write_at(state[key], (i + rows, j + cols), value)

    def _read(self, state, info, values, mode, i, j):
        """The value of `info` at the current row or position of its level."""
        if info.key in values:
            return values[info.key]
        buffer = state[info.key]
        rows, cols = self._pad_rows, self._pad_cols
        if mode == _ROW:
            return buffer[:, i + rows, cols : cols + self._width(info.level)]
        return buffer[:, i + rows, j + cols]  # [N, D]

    def _compute(self, state, op, infos, info, values, mode, i, j):
        """`(value, state)`: the output of `op` at row i or position (i, j)."""
        level = info.level
        if isinstance(op, Shift):
            conv = self._ops_by_output[id(infos[0])]
            # The shift makes the convolution at the row (column) before.
            if op.direction == "down":
                value = self._conv(
                    conv, state["image"], 0, mode, tf.maximum(i - 1, 0), j
                )
                return tf.where(i > 0, value, tf.zeros_like(value)), state
            value = self._conv(conv, state["image"], 0, mode, i, tf.maximum(j - 1, 0))
            return tf.where(j > 0, value, tf.zeros_like(value)), state
        if isinstance(op, ShiftedConv2D):
            transposed = isinstance(op, ShiftedConv2DTranspose)
            key = infos[0].key + ("/dilated" if transposed else "")
            return self._conv(op, state[key], level, mode, i, j), state
        if isinstance(op, GatedResidualBlock):
            x = self._read(state, infos[0], values, mode, i, j)
            c = self._conv(op.conv_in, state[infos[0].key + "/act"], level, mode, i, j)
            if infos[1] is not None:
                auxiliary = self._read(state, infos[1], values, mode, i, j)
                c = c + self._dense(op.auxiliary_projection, self._act(auxiliary))
            key = info.key + "/hidden"
            state = {
                **state,
                key: self._write(state, key, level, mode, i, j, self._act(c)),
            }
            c = self._conv(op.conv_out, state[key], level, mode, i, j)  # [..., 2F]
            a, b = tf.split(c, 2, axis=-1)
            return x + a * tf.sigmoid(b), state
        if isinstance(op, MaskedConv2D):
            if infos[0].kind == _IMAGE:
                x = state["image"][:, self._pad_rows + i, self._pad_cols + j]
            else:
                x = values[infos[0].key]
            return tf.matmul(x, self._kernels[id(op)]) + self._biases[id(op)], state
        inputs = [self._read(state, other, values, mode, i, j) for other in infos]
        if isinstance(op, NetworkInNetwork):
            return self._dense(op, inputs[0]), state
        if isinstance(op, keras.layers.Add):
            return tf.add_n(inputs), state
        if isinstance(op, keras.layers.Concatenate):
            return tf.concat(inputs, axis=-1), state
        return op(inputs[0]), state  # an activation layer (ELU)

    def _run(self, state, kinds, mode, row, col=None):
        """Computes every op of `kinds`, in graph order, at (row, col)."""
        values = {}
        for op, infos, info in self._ops:
            if info.kind not in kinds:
                continue
            i = row // 2**info.level
            j = None if col is None else col // 2**info.level
            value, state = self._compute(state, op, infos, info, values, mode, i, j)
            values[info.key] = value
            for suffix, needed, view, dilate in (
                ("", info.plain, value, False),
                ("/act", info.act, None, False),
                ("/dilated", info.dilated, value, True),
            ):
                if needed:
                    key = info.key + suffix
                    view = self._act(value) if view is None else view
                    level = info.level - 1 if dilate else info.level
                    state = {
                        **state,
                        key: self._write(state, key, level, mode, i, j, view, dilate),
                    }
        return values, state

    def start_row(self, state, row) -> dict:
        """The vertical stream (u) of row `row` at every level it reaches."""
        _, state = self._run(state, (_ROW,), _ROW, row)
        return state

    def write_pixel(self, state, pixel, row, col) -> dict:
        position = (row + self._pad_rows, col + self._pad_cols)
        image = write_at(state["image"], position, tf.cast(pixel, self._dtype))
        return {**state, "image": image}

    def step(self, state, row, col):
        values, state = self._run(state, (_POS, _PIXEL), _POS, row, col)
        return values[self._output.key], state


def _per_row(bias):
    """A bias `[D]` or `[N, D]` as `[D]` or `[N, 1, D]`, to add to `[N, W, D]`."""
    return bias if bias.shape.rank == 1 else bias[:, tf.newaxis]
