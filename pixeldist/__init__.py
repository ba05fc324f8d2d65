"""pixeldist: PixelCNN-family image models as exact-likelihood TFP distributions.

Every model is a `tfp.distributions.Distribution` over whole images (event
shape `[H, W, C]`) that is also a Keras 3 layer, so `dist.log_prob(x)` can be
the loss of a Keras model and `dist.sample(n, conditional_input=labels)`
generates images in raster order.
"""

from pixeldist import data
from pixeldist.distributions.autoregressive_image_distribution import (
    AutoregressiveImageDistribution,
)
from pixeldist.distributions.gated_pixelcnn import GatedPixelCNN
from pixeldist.distributions.pixelcnn import PixelCNN
from pixeldist.distributions.pixelcnn_plus_plus import PixelCNNPlusPlus
from pixeldist.distributions.pixelrnn import PixelRNN
from pixeldist.keras_integration.bits_per_dim import bits_per_dim
from pixeldist.keras_integration.density_model import DensityModel
from pixeldist.keras_integration.negative_log_likelihood import NegativeLogLikelihood
from pixeldist.likelihoods.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
)
from pixeldist.likelihoods.quantized_categorical import QuantizedCategorical

__version__ = "0.1.0"

__all__ = [
    "AutoregressiveImageDistribution",
    "DensityModel",
    "DiscretizedLogisticMixture",
    "GatedPixelCNN",
    "NegativeLogLikelihood",
    "PixelCNN",
    "PixelCNNPlusPlus",
    "PixelRNN",
    "QuantizedCategorical",
    "data",
    "bits_per_dim",
]
