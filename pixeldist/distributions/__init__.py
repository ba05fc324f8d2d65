"""The user-facing image distributions."""

from pixeldist.distributions.autoregressive_image_distribution import (
    AutoregressiveImageDistribution,
)
from pixeldist.distributions.pixelcnn import PixelCNN

__all__ = ["AutoregressiveImageDistribution", "PixelCNN"]
