"""The raster-order mask shared by every masked convolution."""

from __future__ import annotations

import numpy as np


def channel_group(index: np.ndarray, num_features: int, num_groups: int) -> np.ndarray:
    """Group (colour) of feature `index` when `num_features` are split in order.

    Features are split into `num_groups` contiguous groups (R, G, B when
    `num_groups == 3`), so an image's own channels `c = 0..C-1` with
    `num_groups == C` land in group `c`, and `C * L` logits laid out
    channel-major land in group `k // L`.
    """
    return (np.asarray(index) * num_groups) // num_features


def causal_conv_mask(
    kernel_size: tuple[int, int],
    in_channels: int,
    out_channels: int,
    mask_type: str,
    num_channel_groups: int = 1,
) -> np.ndarray:
    """Mask `[kh, kw, in_channels, out_channels]` of a raster-order convolution.

    Output position (i, j) may read input position (i', j') when (i', j') comes
    earlier in raster order. At the centre (i', j') == (i, j), input group g_in
    feeds output group g_out when `g_in < g_out` (mask "A", first layer: a pixel
    never sees its own value) or `g_in <= g_out` (mask "B", later layers: the
    features at a position already exclude that pixel's later channels).

    With `num_channel_groups == 1` mask A removes the centre entirely, so every
    feature at a pixel depends only on earlier pixels.
    """
    if mask_type not in ("A", "B"):
        raise ValueError(f"`mask_type` must be 'A' or 'B', got {mask_type!r}.")
    kh, kw = kernel_size
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"`kernel_size` must be odd, got {kernel_size}.")
    ci, cj = kh // 2, kw // 2
    mask = np.zeros((kh, kw, in_channels, out_channels), dtype=np.float32)
    mask[:ci] = 1.0  # rows above
    mask[ci, :cj] = 1.0  # left of the centre in the centre row
    g_in = channel_group(np.arange(in_channels), in_channels, num_channel_groups)
    g_out = channel_group(np.arange(out_channels), out_channels, num_channel_groups)
    if mask_type == "A":
        centre = g_in[:, None] < g_out[None, :]
    else:
        centre = g_in[:, None] <= g_out[None, :]
    mask[ci, cj] = centre.astype(np.float32)
    return mask
