"""Keras 3 layers shared by the pixeldist networks."""

from pixeldist.layers.causal_mask import causal_conv_mask, channel_group
from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.masked_conv2d import MaskedConv2D

__all__ = ["ConditionalBias", "MaskedConv2D", "causal_conv_mask", "channel_group"]
