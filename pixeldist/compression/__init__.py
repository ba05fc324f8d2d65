"""Lossless image compression with a model's exact probabilities.

`compress(dist, images)` drives a range coder (`constriction`) with each
sub-pixel's probabilities under the model, computed one pixel at a time with
the cached steps; `decompress(dist, data)` repeats the same computation and
returns the images bit for bit. See the README section "Lossless
compression" for the format, its guarantees and measured sizes.
"""

from pixeldist.compression.codec import compress, decompress
from pixeldist.compression.stream_header import StreamHeader

__all__ = ["StreamHeader", "compress", "decompress"]
