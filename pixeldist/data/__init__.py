"""Data sets for training pixeldist models."""

from pixeldist.data.dataset_info import DatasetInfo, dataset_info
from pixeldist.data.digits import (
    DIGITS_HIGH,
    DIGITS_IMAGE_SHAPE,
    DIGITS_NUM_CLASSES,
    digits_arrays,
    load_digits_dataset,
)
from pixeldist.data.load import load
from pixeldist.data.low_resolution import low_resolution
from pixeldist.data.quickdraw_classes import QUICKDRAW_SEED_CLASSES

__all__ = [
    "DIGITS_HIGH",
    "DIGITS_IMAGE_SHAPE",
    "DIGITS_NUM_CLASSES",
    "QUICKDRAW_SEED_CLASSES",
    "DatasetInfo",
    "dataset_info",
    "digits_arrays",
    "load",
    "load_digits_dataset",
    "low_resolution",
]
