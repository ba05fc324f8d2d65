"""Keras 3 layers shared by the pixeldist networks.

Every causal layer is also a `CachedStep`: beside its `call` it defines its
evaluation one raster position at a time, which
`pixeldist.sampling.IncrementalNetwork` drives over a whole network.
"""

from pixeldist.layers.cached_step import CachedStep
from pixeldist.layers.causal_mask import causal_conv_mask, channel_group
from pixeldist.layers.causal_self_attention import CausalSelfAttention
from pixeldist.layers.concat_elu import ConcatELU
from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.diagonal_bilstm import DiagonalBiLSTM
from pixeldist.layers.gated_pixelcnn_block import GatedPixelCNNBlock
from pixeldist.layers.gated_residual_block import GatedResidualBlock
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.layers.network_in_network import NetworkInNetwork
from pixeldist.layers.row_lstm import RowLSTM
from pixeldist.layers.shift import Shift
from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.layers.shifted_conv2d_transpose import ShiftedConv2DTranspose
from pixeldist.layers.shifted_window import ShiftedWindow
from pixeldist.layers.skew import skew, unskew
from pixeldist.layers.spatial_condition import SpatialCondition
from pixeldist.layers.spatial_lstm import SpatialLSTM
from pixeldist.layers.step_input import StepInput
from pixeldist.layers.step_schedule import Schedule
from pixeldist.layers.weight_normalization import WeightNormalization

__all__ = [
    "CachedStep",
    "CausalSelfAttention",
    "ConcatELU",
    "ConditionalBias",
    "DiagonalBiLSTM",
    "GatedPixelCNNBlock",
    "GatedResidualBlock",
    "MaskedConv2D",
    "NetworkInNetwork",
    "RowLSTM",
    "Schedule",
    "Shift",
    "ShiftedConv2D",
    "ShiftedConv2DTranspose",
    "ShiftedWindow",
    "SpatialCondition",
    "SpatialLSTM",
    "StepInput",
    "WeightNormalization",
    "causal_conv_mask",
    "channel_group",
    "skew",
    "unskew",
]
