"""Keras 3 training integration."""

from pixeldist.keras_integration.bits_per_dim import bits_per_dim
from pixeldist.keras_integration.density_model import DensityModel
from pixeldist.keras_integration.negative_log_likelihood import NegativeLogLikelihood

__all__ = ["DensityModel", "NegativeLogLikelihood", "bits_per_dim"]
