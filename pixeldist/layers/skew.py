"""Skewing a feature map so that its diagonals become columns (PixelRNN).

The Diagonal BiLSTM of van den Oord et al. (2016) processes an image one
diagonal at a time. Shifting row `i` right by `i` positions turns every
diagonal `{(i, j): i + j = t}` into column `t` of the skewed map, so a
column-by-column recurrence over the skewed map is a diagonal-by-diagonal
recurrence over the image, and a 2×1 convolution over the previous column
reads the pixel to the left `(i, j - 1)` and the pixel above `(i - 1, j)`.

Both functions use only padding and reshapes (no per-pixel loops): padding
each row of width `W` with `H` zeros and reading the flattened map with rows
of width `W + H - 1` moves row `i` right by `i`.

#### References

[1]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel Recurrent
     Neural Networks. ICML 2016, Section 3.2 and Figure 3.
     https://arxiv.org/abs/1601.06759
"""

from __future__ import annotations

from keras import ops


def skew(x):
    """Shifts row `i` of `x [B, H, W, F]` right by `i`: `[B, H, W + H - 1, F]`.

    `skewed[b, i, i + j] = x[b, i, j]`; every other entry is 0. Needs static
    `H`, `W` and `F`.
    """
    _, height, width, features = x.shape
    x = ops.pad(x, [[0, 0], [0, 0], [0, height], [0, 0]])  # [B, H, W + H, F]
    x = ops.reshape(x, (-1, height * (width + height), features))
    # Reading rows of width W + H - 1 moves each row one step further right.
    x = x[:, : height * (width + height - 1)]  # [B, H (W + H - 1), F]
    return ops.reshape(x, (-1, height, width + height - 1, features))


def unskew(x, width: int):
    """Inverse of `skew`: `x [B, H, W + H - 1, F]` to `[B, H, W, F]`.

    `unskewed[b, i, j] = x[b, i, i + j]`; the entries outside the image
    (the triangles that `skew` fills with zeros) are dropped.
    """
    _, height, skewed_width, features = x.shape
    if skewed_width != width + height - 1:
        raise ValueError(
            f"A skewed map of height {height} and width {width} has "
            f"{width + height - 1} columns, got {skewed_width}."
        )
    x = ops.reshape(x, (-1, height * skewed_width, features))
    x = ops.pad(x, [[0, 0], [0, height], [0, 0]])  # [B, H (W + H), F]
    x = ops.reshape(x, (-1, height, width + height, features))
    return x[:, :, :width]


def directions_as_columns(left_to_right, right_to_left):
    """Both sweeps' gate maps `[N, H, W, G]` as the columns of their skewed
    maps, `[W + H - 1, 2, N, H, G]`, ready for one `tf.scan` over the
    diagonals: the right-to-left map is flipped horizontally first, so that
    both scans run left to right. Needs static `H`, `W` and `G`.
    """
    _, height, width, gates = left_to_right.shape
    stacked = ops.stack([left_to_right, ops.flip(right_to_left, axis=2)])
    skewed = skew(ops.reshape(stacked, (-1, height, width, gates)))
    skewed = ops.reshape(skewed, (2, -1, height, width + height - 1, gates))
    return ops.transpose(skewed, (3, 0, 1, 2, 4))  # [T, 2, N, H, G]


def directions_from_columns(columns, width: int):
    """Inverse of `directions_as_columns` for the scan's outputs `[W + H - 1,
    2, N, H, u]`: `(left_to_right, right_to_left)`, each `[N, H, W, u]` in
    image coordinates (the right-to-left one flipped back)."""
    _, directions, _, height, units = columns.shape
    skewed = ops.transpose(columns, (1, 2, 3, 0, 4))  # [2, N, H, T, u]
    skewed = ops.reshape(skewed, (-1, height, width + height - 1, units))
    maps = ops.reshape(unskew(skewed, width), (directions, -1, height, width, units))
    return maps[0], ops.flip(maps[1], axis=2)
