"""Raster-order generation: the cached incremental network and the samplers."""

from pixeldist.sampling.incremental_network import IncrementalNetwork, NoCachedStepError
from pixeldist.sampling.raster_generator import RasterGenerator
from pixeldist.sampling.recompute_sampler import sample_by_recomputation
from pixeldist.sampling.tiered_function import TieredFunction, wait_for_compilations

__all__ = [
    "IncrementalNetwork",
    "NoCachedStepError",
    "RasterGenerator",
    "TieredFunction",
    "sample_by_recomputation",
    "wait_for_compilations",
]
