"""Short hashes that tie a compressed stream to its model, condition and images."""

from __future__ import annotations

import hashlib
import json

import numpy as np

#: Bytes kept of each SHA-256: 128 bits, far beyond accidental collisions.
FINGERPRINT_SIZE = 16

#: Configuration entries that name the object but do not change the law.
_NAMING_ENTRIES = ("name", "trainable")


def _digest(*parts: bytes) -> bytes:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "little"))
        hasher.update(part)
    return hasher.digest()[:FINGERPRINT_SIZE]


def _array_bytes(array: np.ndarray) -> list[bytes]:
    array = np.ascontiguousarray(array)
    return [array.dtype.str.encode(), repr(array.shape).encode(), array.tobytes()]


def model_fingerprint(distribution) -> bytes:
    """A hash of the distribution's class, configuration (without its name)
    and every weight's value, in order: equal for a model and its saved and
    reloaded copy, different once one weight moves by one ulp."""
    config = {
        k: v for k, v in distribution.get_config().items() if k not in _NAMING_ENTRIES
    }
    parts = [
        type(distribution).__qualname__.encode(),
        json.dumps(config, sort_keys=True, default=repr).encode(),
    ]
    for weight in distribution.weights:
        parts += _array_bytes(np.asarray(weight.numpy()))
    return _digest(*parts)


def condition_fingerprint(condition) -> bytes:
    """A hash of the flattened condition the network reads (`[N]` labels or
    `[N, ...]` floats), or of "no condition"."""
    if condition is None:
        return _digest(b"unconditional")
    return _digest(*_array_bytes(np.asarray(condition)))


def image_checksum(images: np.ndarray) -> bytes:
    """A hash of the integer values `[N, H, W, C]`, whatever their dtype."""
    return _digest(*_array_bytes(np.asarray(images).astype("<i8")))
