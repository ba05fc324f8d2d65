import numpy as np
import pytest

from pixeldist.data import digits_arrays, load_digits_dataset


def test_split_sizes_and_values():
    train_images, train_labels = digits_arrays("train")
    test_images, test_labels = digits_arrays("test")
    assert train_images.shape == (1438, 8, 8, 1) and test_images.shape == (359, 8, 8, 1)
    assert train_images.dtype == np.uint8 and train_images.max() == 16
    assert set(np.unique(test_labels)) == set(range(10))
    # Deterministic and disjoint: the held-out part is every fifth digit.
    again, _ = digits_arrays("test")
    np.testing.assert_array_equal(again, test_images)
    assert len(train_labels) + len(test_labels) == 1797


def test_dataset_elements():
    image, label = next(iter(load_digits_dataset("train")))
    assert image.shape == (8, 8, 1) and image.dtype.name == "uint8"
    assert label.dtype.name == "int64"


def test_bad_split():
    with pytest.raises(ValueError, match="split"):
        digits_arrays("validation")
