"""The header of a pixeldist compressed stream: what it holds and how it is checked."""

from __future__ import annotations

import dataclasses
import struct
import zlib

import numpy as np

from pixeldist.compression.fingerprints import FINGERPRINT_SIZE

MAGIC = b"PXDZ"
FORMAT_VERSION = 1

# magic, version, N, H, W, C, low, high, dtype, three fingerprints, payload
# length and CRC-32; then the CRC-32 of all these bytes.
_FIELDS = struct.Struct(f"<4sHIIIIii8s{3 * FINGERPRINT_SIZE}sQI")
_CRC = struct.Struct("<I")
HEADER_SIZE = _FIELDS.size + _CRC.size


@dataclasses.dataclass(frozen=True)
class StreamHeader:
    """Everything a decoder checks before and after decoding.

    #### Layout (little-endian, `HEADER_SIZE` = 102 bytes, then the payload)

    ```none
    4s  magic b"PXDZ"            H  format version (1)
    I   N images                 3I H, W, C
    2i  low, high                8s numpy dtype of the images (e.g. "|u1")
    16s model fingerprint        16s condition fingerprint
    16s image checksum           Q  payload length in bytes
    I   CRC-32 of the payload    I  CRC-32 of the header bytes before it
    ```

    The fingerprints are truncated SHA-256 (`pixeldist.compression.fingerprints`).
    """

    num_images: int
    image_shape: tuple[int, int, int]
    low: int
    high: int
    dtype: str
    model_fingerprint: bytes
    condition_fingerprint: bytes
    image_checksum: bytes
    payload_length: int
    payload_crc: int

    def pack(self) -> bytes:
        fields = _FIELDS.pack(
            MAGIC,
            FORMAT_VERSION,
            self.num_images,
            *self.image_shape,
            self.low,
            self.high,
            self.dtype.encode("ascii"),
            self.model_fingerprint + self.condition_fingerprint + self.image_checksum,
            self.payload_length,
            self.payload_crc,
        )
        return fields + _CRC.pack(zlib.crc32(fields))

    @classmethod
    def unpack(cls, data: bytes) -> tuple[StreamHeader, bytes]:
        """`(header, payload)` of a stream; `ValueError` naming what is wrong
        when the bytes are not an intact pixeldist stream."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"`data` must be bytes, got {type(data).__name__}.")
        data = bytes(data)
        if not data:
            raise ValueError("The stream is empty.")
        if data[: len(MAGIC)] != MAGIC[: len(data)]:
            raise ValueError(
                f"Not a pixeldist compressed stream (it does not start with {MAGIC!r})."
            )
        if len(data) < HEADER_SIZE:
            raise ValueError(
                f"The stream is truncated: {len(data)} bytes, shorter than its "
                f"{HEADER_SIZE}-byte header."
            )
        (version,) = struct.unpack_from("<H", data, len(MAGIC))
        if version != FORMAT_VERSION:  # before the CRC: another layout
            raise ValueError(
                f"The stream has format version {version}; this pixeldist reads "
                f"version {FORMAT_VERSION}."
            )
        fields = data[: _FIELDS.size]
        (crc,) = _CRC.unpack_from(data, _FIELDS.size)
        if zlib.crc32(fields) != crc:
            raise ValueError("The stream's header is corrupted (CRC-32 mismatch).")
        (_, _, n, h, w, c, low, high, dtype, prints, length, payload_crc) = (
            _FIELDS.unpack(fields)
        )
        size = FINGERPRINT_SIZE
        header = cls(
            num_images=n,
            image_shape=(h, w, c),
            low=low,
            high=high,
            dtype=dtype.rstrip(b"\0").decode("ascii"),
            model_fingerprint=prints[:size],
            condition_fingerprint=prints[size : 2 * size],
            image_checksum=prints[2 * size :],
            payload_length=length,
            payload_crc=payload_crc,
        )
        payload = data[HEADER_SIZE:]
        if len(payload) < length:
            raise ValueError(
                f"The stream is truncated: its payload has {len(payload)} of "
                f"{length} bytes."
            )
        if len(payload) > length:
            raise ValueError(
                f"The stream has {len(payload) - length} bytes after its payload "
                "(two streams concatenated, or a damaged copy)."
            )
        if zlib.crc32(payload) != payload_crc:
            raise ValueError("The stream's payload is corrupted (CRC-32 mismatch).")
        return header, payload

    @property
    def numpy_dtype(self) -> np.dtype:
        return np.dtype(self.dtype)
