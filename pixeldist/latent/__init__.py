"""Latent-variable models whose likelihoods are pixeldist distributions.

- `VQVAE` (and `TwoLevelVQVAE`): images to maps of discrete codes and back;
  `code_prior` builds a pixeldist distribution over the code maps.
- `PixelVAE`: a VAE whose decoder is a pixeldist distribution conditioned on
  the latent map.
"""

from pixeldist.latent.code_prior import code_prior, encode_dataset
from pixeldist.latent.gaussian_encoder_network import GaussianEncoderNetwork
from pixeldist.latent.pixel_vae import PixelVAE
from pixeldist.latent.two_level_vq_vae import TwoLevelVQVAE
from pixeldist.latent.vector_quantizer import VectorQuantizer
from pixeldist.latent.vq_vae import VQVAE

__all__ = [
    "GaussianEncoderNetwork",
    "PixelVAE",
    "TwoLevelVQVAE",
    "VQVAE",
    "VectorQuantizer",
    "code_prior",
    "encode_dataset",
]
