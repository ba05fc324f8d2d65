"""Tiny PixelSNAIL for the parameterized model suite.

One block without the convolutional gated blocks (`num_resnet=0`; PixelCNN++'s
zoo entry runs them, and `tests/distributions/test_pixelsnail.py` runs them
inside PixelSNAIL): the shifted input convolutions, the causal attention (two
heads, so the heads are split and joined) and the 1×1 gated block that mixes
the attention into the horizontal stream, with its dropout and conditional
bias. `num_resnet=1` builds twice the layers and made this model's share of
the suite about 30% slower (6.4 against 5 CPU minutes).
"""

from pixeldist.distributions.pixelsnail import PixelSNAIL

NAME = "pixelsnail"


def factory(image_shape, **kwargs):
    return PixelSNAIL(
        image_shape,
        num_blocks=1,
        num_resnet=0,
        num_filters=8,
        num_heads=2,
        key_channels=4,
        value_channels=4,
        dropout_p=0.1,
        **kwargs,
    )
