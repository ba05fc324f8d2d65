"""The user-facing image distributions."""

from pixeldist.distributions.autoregressive_image_distribution import (
    AutoregressiveImageDistribution,
)
from pixeldist.distributions.gated_pixelcnn import GatedPixelCNN
from pixeldist.distributions.pixelcnn import PixelCNN
from pixeldist.distributions.pixelcnn_plus_plus import PixelCNNPlusPlus
from pixeldist.distributions.pixelrnn import PixelRNN
from pixeldist.distributions.pixelsnail import PixelSNAIL

__all__ = [
    "AutoregressiveImageDistribution",
    "GatedPixelCNN",
    "PixelCNN",
    "PixelCNNPlusPlus",
    "PixelRNN",
    "PixelSNAIL",
]
