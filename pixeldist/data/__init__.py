"""Data sets for training pixeldist models."""

from pixeldist.data.digits import (
    DIGITS_HIGH,
    DIGITS_IMAGE_SHAPE,
    DIGITS_NUM_CLASSES,
    digits_arrays,
    load_digits_dataset,
)

__all__ = [
    "DIGITS_HIGH",
    "DIGITS_IMAGE_SHAPE",
    "DIGITS_NUM_CLASSES",
    "digits_arrays",
    "load_digits_dataset",
]
