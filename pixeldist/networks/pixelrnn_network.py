"""The PixelRNN network of van den Oord et al. (2016): Row LSTM, Diagonal BiLSTM
or spatial LSTM."""

from __future__ import annotations

import functools

import keras

from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.diagonal_bilstm import DiagonalBiLSTM
from pixeldist.layers.lstm_gates import NUM_GATES
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.layers.row_lstm import RowLSTM
from pixeldist.layers.spatial_lstm import SpatialLSTM
from pixeldist.networks.image_network import (
    ImageNetwork,
    check_integer,
    check_num_filters,
)
from pixeldist.networks.network_inputs import condition_features, network_inputs

CELLS = {
    "row_lstm": RowLSTM,
    "diagonal_bilstm": DiagonalBiLSTM,
    "spatial_lstm": SpatialLSTM,
}
FIRST_KERNEL_SIZE = 7


@keras.saving.register_keras_serializable(package="pixeldist")
class PixelRNNNetwork(ImageNetwork):
    """Maps an image (and a condition) to per-pixel likelihood parameters.

    Architecture (Pixel Recurrent Neural Networks, Section 3 and Table 1),
    with `h = num_filters`:

    - a 7×7 mask-A convolution to the residual width 2h;
    - `num_layers` residual LSTM layers: a `RowLSTM` (1×3 mask-B
      input-to-state, width-3 state-to-state over the previous row) or a
      `DiagonalBiLSTM` (1×1 mask-B input-to-state, 2×1 state-to-state over the
      previous diagonal, two directions) or a `SpatialLSTM` (1×1 mask-B
      input-to-state, the states above and beside with one forget gate each,
      two directions, the right-to-left one also reading the image) with h
      units, then a 1×1 mask-B convolution (h→2h) added to the layer's input;
    - ReLU, 1×1 mask B (2h→2h), ReLU, 1×1 mask B (2h→`num_outputs`).

    Every input-to-state and 1×1 convolution is masked in its forward pass
    and, with `num_channel_groups = C`, splits its features into R/G/B groups
    so that outputs of group c see the current pixel's channels < c only; the
    state-to-state convolutions read only earlier rows/diagonals. A
    conditional network adds `ConditionalBias(4h)` (`5h` for the spatial
    LSTM) to the gates of every LSTM layer.

    Receptive fields: with Row LSTM layers, a triangle above each pixel (the
    paper's blind spot). With Diagonal BiLSTM layers, every earlier pixel
    except, for pixels `(i, j)` with `j < W - 4`, the last pixel `x[i-1, W-1]`
    of the previous row (its last channel with R/G/B groups): mask A keeps it
    out of the input convolution's features of row i - 1, and row i - 1 reaches
    row i leftwards only through those features (right-to-left sweep, shifted
    down one row). This follows the paper's architecture. With spatial LSTM
    layers, every earlier pixel, with no blind spot: their right-to-left
    sweep, whose output reaches the next row only, also reads the image
    itself, the last pixel of each row included.

    Inputs: `image [batch, H, W, C]` scaled to [-1, 1], and `label [batch]`
    (int), `condition [batch, d]` (float) or a condition map
    `[batch, h, w, c]` (read through `SpatialCondition`) when conditional.
    Output: `[batch, H, W, num_outputs]`.

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel
         Recurrent Neural Networks. ICML 2016. https://arxiv.org/abs/1601.06759
    """

    def __init__(
        self,
        image_shape,
        num_outputs: int,
        num_channel_groups: int = 1,
        cell: str = "row_lstm",
        num_layers: int = 7,
        num_filters: int = 16,
        num_classes: int | None = None,
        conditional_shape=None,
        dtype=None,
        **kwargs,
    ):
        arguments = dict(locals())
        if cell not in CELLS:
            raise ValueError(f"`cell` must be one of {tuple(CELLS)}, got {cell!r}.")
        num_layers = check_integer("num_layers", num_layers, 1)
        num_filters = check_num_filters(num_filters, num_channel_groups)
        image, condition = network_inputs(
            image_shape, num_classes, conditional_shape, dtype
        )
        terms = condition_features(condition, image_shape, num_filters, dtype)
        groups = num_channel_groups
        width = 2 * num_filters

        def conv(x, filters, size, mask_type="B"):
            return MaskedConv2D(filters, size, mask_type, groups, dtype=dtype)(x)

        def relu(x):
            return keras.layers.ReLU(dtype=dtype)(x)

        x = conv(image, width, FIRST_KERNEL_SIZE, "A")  # [B, H, W, 2h]
        lstm = functools.partial(CELLS[cell], num_filters, groups, dtype=dtype)
        gates = getattr(CELLS[cell], "gates_per_unit", NUM_GATES) * num_filters
        # The spatial LSTM's right-to-left sweep reads the rows above in full.
        above = {"above_inputs": image} if cell == "spatial_lstm" else {}
        for _ in range(num_layers):
            gate_bias = None  # [B, 1, 1, 4h (5h)] when conditional
            if condition is not None:
                bias = ConditionalBias(gates, num_classes, dtype=dtype)
                gate_bias = bias(terms)
            state = lstm()(x, gate_bias=gate_bias, **above)  # [B, H, W, h]
            residual = conv(state, width, 1)  # [B, H, W, 2h]
            x = keras.layers.Add(dtype=dtype)([x, residual])
        x = conv(relu(x), width, 1)
        outputs = conv(relu(x), num_outputs, 1)  # [B, H, W, num_outputs]
        inputs = [image] if condition is None else [image, condition]
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._keep_arguments(arguments)
