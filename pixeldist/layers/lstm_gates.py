"""The gate arithmetic shared by the PixelRNN LSTM layers (Row and Diagonal BiLSTM).

Both layers compute the four gates of `units` LSTM units laid out gate-major,
`[i | f | o | g]`, each block `units` wide. Unit `u` belongs to the R/G/B
group `u * G // units` (see `channel_group`), and so do its four gates: the
input-to-state mask is the raster-order mask of a `units`-wide output tiled
once per gate, so the gates of a unit in group g read the current pixel's
features of groups <= g only.

#### Mathematical details

```none
c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
h' = sigmoid(o) * tanh(c')
```

#### References

[1]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel Recurrent
     Neural Networks. ICML 2016, Section 3.1, equation (3).
     https://arxiv.org/abs/1601.06759
"""

from __future__ import annotations

import numpy as np
from keras import ops

from pixeldist.layers.causal_mask import causal_conv_mask

NUM_GATES = 4


def checked_units(units, num_channel_groups) -> tuple[int, int]:
    """`(units, num_channel_groups)` of a PixelRNN LSTM layer as ints, after
    checking `units >= 1` and `1 <= num_channel_groups <= units` (every R/G/B
    group needs a unit)."""
    if int(units) != units or units < 1:
        raise ValueError(f"`units` must be an integer >= 1, got {units}.")
    if int(num_channel_groups) != num_channel_groups or not (
        1 <= num_channel_groups <= units
    ):
        raise ValueError(
            "`num_channel_groups` must be an integer in [1, units], "
            f"got {num_channel_groups}."
        )
    return int(units), int(num_channel_groups)


def gate_conv_mask(
    kernel_size: tuple[int, int],
    in_channels: int,
    units: int,
    num_blocks: int = 1,
    num_channel_groups: int = 1,
) -> np.ndarray:
    """Mask-B kernel mask `[kh, kw, in_channels, num_blocks * 4 * units]`.

    `num_blocks` sets of gate-major gates (one per direction of a
    bidirectional layer); every gate of unit `u` gets unit `u`'s mask.
    """
    mask = causal_conv_mask(kernel_size, in_channels, units, "B", num_channel_groups)
    return np.tile(mask, (1, 1, 1, num_blocks * NUM_GATES))


def gate_bias_initializer(units: int):
    """Initializer of the gate biases `[num_blocks * 4 * units]`.

    The forget gates start at 1 and the others at 0: a forget bias of 1 keeps
    the cell state flowing along the recurrence at initialization (Gers et
    al. 2000; Jozefowicz et al. 2015).
    """

    def initializer(shape, dtype=None):
        bias = np.zeros((shape[0] // (NUM_GATES * units), NUM_GATES, units), np.float32)
        bias[:, 1] = 1.0  # [blocks, (i, f, o, g), units]
        return ops.convert_to_tensor(bias.reshape(shape), dtype=dtype)

    return initializer


def lstm_update(gates, cell):
    """One LSTM step: `gates [..., 4u]` (i, f, o, g) and `cell [..., u]`.

    Returns `(hidden [..., u], cell [..., u])`.
    """
    i, f, o, g = ops.split(gates, NUM_GATES, axis=-1)
    cell = ops.sigmoid(f) * cell + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(cell), cell
