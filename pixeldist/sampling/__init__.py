"""Raster-order generation loops shared by the image distributions."""

from pixeldist.sampling.recompute_sampler import sample_by_recomputation

__all__ = ["sample_by_recomputation"]
