"""pixeldist: PixelCNN-family image models as exact-likelihood TFP distributions.

Every model is a `tfp.distributions.Distribution` over whole images (event
shape `[H, W, C]`) that is also a Keras 3 layer, so `dist.log_prob(x)` can be
the loss of a Keras model and `dist.sample(n, conditional_input=labels)`
generates images in raster order.
"""

import importlib
import os
import sys

__version__ = "0.1.0"

#: Where each public name lives, relative to this package. A name that is a
#: subpackage of its own (`data`) maps to that subpackage. To add a public
#: name, add it here and to `__all__`.
_PUBLIC_NAMES = {
    "AutoregressiveImageDistribution": (
        ".distributions.autoregressive_image_distribution"
    ),
    "DensityModel": ".keras_integration.density_model",
    "DiscretizedLogisticMixture": ".likelihoods.discretized_logistic_mixture",
    "GatedPixelCNN": ".distributions.gated_pixelcnn",
    "NegativeLogLikelihood": ".keras_integration.negative_log_likelihood",
    "PixelCNN": ".distributions.pixelcnn",
    "PixelCNNPlusPlus": ".distributions.pixelcnn_plus_plus",
    "PixelRNN": ".distributions.pixelrnn",
    "PixelSNAIL": ".distributions.pixelsnail",
    "PixelVAE": ".latent.pixel_vae",
    "QuantizedCategorical": ".likelihoods.quantized_categorical",
    "TwoLevelVQVAE": ".latent.two_level_vq_vae",
    "VQVAE": ".latent.vq_vae",
    "VectorQuantizer": ".latent.vector_quantizer",
    "code_prior": ".latent.code_prior",
    "compression": ".compression",
    "data": ".data",
    "evaluation": ".evaluation",
    "latent": ".latent",
    "bits_per_dim": ".keras_integration.bits_per_dim",
}

__all__ = [
    "AutoregressiveImageDistribution",
    "DensityModel",
    "DiscretizedLogisticMixture",
    "GatedPixelCNN",
    "NegativeLogLikelihood",
    "PixelCNN",
    "PixelCNNPlusPlus",
    "PixelRNN",
    "PixelSNAIL",
    "PixelVAE",
    "QuantizedCategorical",
    "TwoLevelVQVAE",
    "VQVAE",
    "VectorQuantizer",
    "code_prior",
    "compression",
    "data",
    "evaluation",
    "latent",
    "bits_per_dim",
]


def __getattr__(name: str):
    """Imports a public name on first access (PEP 562)."""
    if name not in _PUBLIC_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_PUBLIC_NAMES[name], __name__)
    value = module if _PUBLIC_NAMES[name] == f".{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _import_public_names() -> None:
    """Imports every public name, which registers pixeldist's Keras classes.

    Keras finds the classes of a saved model only once their modules have
    been imported, so `keras.models.load_model` needs this first.
    """
    for name in __all__:
        __getattr__(name)


def _is_the_pixeldist_command() -> bool:
    """Whether this process is the `pixeldist` console script.

    The command imports this package before it knows whether it will compute
    anything; it imports the rest itself, so `pixeldist --help` and
    `pixeldist --version` answer without loading TensorFlow.
    """
    program = os.path.basename(sys.argv[0]) if getattr(sys, "argv", None) else ""
    return program.removesuffix(".exe") == "pixeldist"


# Everywhere else `import pixeldist` imports everything, as it always did, so
# that a saved model loads right after it (`keras.models.load_model`).
if not _is_the_pixeldist_command():
    _import_public_names()
