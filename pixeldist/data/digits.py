"""scikit-learn's bundled handwritten digits: real images with labels, no download."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

#: Shape of one digit image, its largest grey level, and the number of classes.
DIGITS_IMAGE_SHAPE = (8, 8, 1)
DIGITS_HIGH = 16
DIGITS_NUM_CLASSES = 10

SPLITS = ("train", "test")


def digits_arrays(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Images `uint8 [N, 8, 8, 1]` (values 0..16) and labels `int64 [N]`.

    The 1,797 digits are split deterministically: every fifth example
    (index % 5 == 4, 359 images) is the held-out `test` split, the other
    1,438 are `train`.
    """
    if split not in SPLITS:
        raise ValueError(f"`split` must be one of {SPLITS} for digits, got {split!r}.")
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = bunch.images.astype(np.uint8)[..., None]  # [1797, 8, 8, 1]
    labels = bunch.target.astype(np.int64)
    held_out = np.arange(len(labels)) % 5 == 4
    keep = held_out if split == "test" else ~held_out
    return images[keep], labels[keep]


def load_digits_dataset(split: str = "train") -> tf.data.Dataset:
    """`tf.data.Dataset` of `(image uint8 [8, 8, 1], label int64)` pairs."""
    images, labels = digits_arrays(split)
    return tf.data.Dataset.from_tensor_slices((images, labels))
