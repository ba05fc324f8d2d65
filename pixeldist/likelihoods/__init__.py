"""Per-pixel likelihoods and the heads that build them from network outputs."""

from pixeldist.likelihoods.categorical_head import CategoricalHead
from pixeldist.likelihoods.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
    discretized_logistic_log_pmf,
)
from pixeldist.likelihoods.log_space import log1mexp
from pixeldist.likelihoods.logistic_mixture_head import LogisticMixtureHead
from pixeldist.likelihoods.quantized_categorical import QuantizedCategorical

__all__ = [
    "CategoricalHead",
    "DiscretizedLogisticMixture",
    "LogisticMixtureHead",
    "QuantizedCategorical",
    "discretized_logistic_log_pmf",
    "log1mexp",
]
