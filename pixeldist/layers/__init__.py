"""Keras 3 layers shared by the pixeldist networks."""

from pixeldist.layers.causal_mask import causal_conv_mask, channel_group
from pixeldist.layers.causal_row_conv2d import CausalRowConv2D
from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.diagonal_bilstm import DiagonalBiLSTM
from pixeldist.layers.down_shifted_conv2d import DownShiftedConv2D
from pixeldist.layers.gated_pixelcnn_block import GatedPixelCNNBlock
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.layers.row_lstm import RowLSTM
from pixeldist.layers.skew import skew, unskew

__all__ = [
    "CausalRowConv2D",
    "ConditionalBias",
    "DiagonalBiLSTM",
    "DownShiftedConv2D",
    "GatedPixelCNNBlock",
    "MaskedConv2D",
    "RowLSTM",
    "causal_conv_mask",
    "channel_group",
    "skew",
    "unskew",
]
