"""Keras 3 layers shared by the pixeldist networks."""

from pixeldist.layers.causal_mask import causal_conv_mask, channel_group
from pixeldist.layers.causal_row_conv2d import CausalRowConv2D
from pixeldist.layers.concat_elu import ConcatELU
from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.diagonal_bilstm import DiagonalBiLSTM
from pixeldist.layers.down_shifted_conv2d import DownShiftedConv2D
from pixeldist.layers.gated_pixelcnn_block import GatedPixelCNNBlock
from pixeldist.layers.gated_residual_block import GatedResidualBlock
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.layers.network_in_network import NetworkInNetwork
from pixeldist.layers.row_lstm import RowLSTM
from pixeldist.layers.shift import Shift
from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.layers.shifted_conv2d_transpose import ShiftedConv2DTranspose
from pixeldist.layers.skew import skew, unskew
from pixeldist.layers.weight_normalization import WeightNormalization

__all__ = [
    "CausalRowConv2D",
    "ConcatELU",
    "ConditionalBias",
    "DiagonalBiLSTM",
    "DownShiftedConv2D",
    "GatedPixelCNNBlock",
    "GatedResidualBlock",
    "MaskedConv2D",
    "NetworkInNetwork",
    "RowLSTM",
    "Shift",
    "ShiftedConv2D",
    "ShiftedConv2DTranspose",
    "WeightNormalization",
    "causal_conv_mask",
    "channel_group",
    "skew",
    "unskew",
]
