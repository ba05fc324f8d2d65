"""The host side of the coding loop: constriction's range coder, batched over images."""

from __future__ import annotations

from collections.abc import Callable

import constriction
import numpy as np

#: Quantizes each probability vector to the coder's 24-bit fixed point so
#: that every value keeps a nonzero probability, however small its float
#: probability (`perfect=False`: the fast, slightly coarser approximation;
#: encoder and decoder must agree on it, and both use this one).
ENTROPY_MODEL = constriction.stream.model.Categorical(perfect=False)


class SubPixelCoder:
    """Encodes known values or decodes them, one sub-pixel of N images at a time.

    The callback of `code_with_cache`: called with `(row, col, channel,
    probabilities [N, L])` in raster order, it returns the sub-pixel's values
    `[N]`. A range coder (a queue: decoded in the order encoded) from
    `constriction` (Bamler, 2022) spends `-log2 q(v)` bits on value `v`,
    `q` being the probabilities quantized to 24 bits, plus at most a few
    32-bit words per stream.

    Build it with `for_encoding` or `for_decoding`.

    #### References

    [1]: Robert Bamler. Understanding Entropy Coding With Asymmetric Numeral
         Systems (ANS): a Statistician's Perspective. 2022.
         https://arxiv.org/abs/2201.01741 (constriction:
         https://github.com/bamler-lab/constriction)
    """

    def __init__(
        self,
        image_shape,
        low: int,
        images=None,
        payload: bytes | None = None,
        on_row: Callable[[], None] | None = None,
    ):
        _, self._width, self._channels = image_shape
        self._low = int(low)
        self._images = images
        self._on_row = on_row
        if images is None:
            words = np.frombuffer(payload, dtype="<u4").astype(np.uint32)
            self._decoder = constriction.stream.queue.RangeDecoder(words)
        else:
            self._encoder = constriction.stream.queue.RangeEncoder()

    @classmethod
    def for_encoding(cls, images: np.ndarray, low: int, on_row=None) -> SubPixelCoder:
        """Teacher forcing: `images [N, H, W, C]` int32 are encoded and
        returned. `on_row()` is called after each image row (progress)."""
        return cls(images.shape[1:], low, images=images, on_row=on_row)

    @classmethod
    def for_decoding(
        cls, payload: bytes, image_shape, low: int, on_row=None
    ) -> SubPixelCoder:
        """Decodes the values of images of `image_shape` `(H, W, C)` from
        `payload` (a multiple of 4 bytes)."""
        return cls(image_shape, low, payload=payload, on_row=on_row)

    def __call__(self, row, col, channel, probabilities: np.ndarray) -> np.ndarray:
        """The values `[N]` int32 of sub-pixel `(row, col, channel)`, whose
        law over the values `low + l` is `probabilities [N, L]`."""
        if self._images is not None:
            values = self._images[:, row, col, channel]
            symbols = (values - self._low).astype(np.int32)
            self._encoder.encode(symbols, ENTROPY_MODEL, probabilities)
        else:
            symbols = self._decoder.decode(ENTROPY_MODEL, probabilities)
            values = symbols.astype(np.int32) + self._low
        last = col == self._width - 1 and channel == self._channels - 1
        if last and self._on_row is not None:
            self._on_row()
        return values.astype(np.int32)

    def payload(self) -> bytes:
        """The encoded stream: little-endian 32-bit words."""
        return self._encoder.get_compressed().astype("<u4").tobytes()
