"""Tiny PixelSNAIL for the parameterized model suite.

One block: a gated residual block per stream, the causal attention (two
heads, so the heads are split and joined) and the 1×1 gated block that mixes
the attention into the horizontal stream. Small dropout builds the dropout
path.
"""

from pixeldist.distributions.pixelsnail import PixelSNAIL

NAME = "pixelsnail"


def factory(image_shape, **kwargs):
    return PixelSNAIL(
        image_shape,
        num_blocks=1,
        num_resnet=1,
        num_filters=8,
        num_heads=2,
        key_channels=4,
        value_channels=4,
        dropout_p=0.1,
        **kwargs,
    )
