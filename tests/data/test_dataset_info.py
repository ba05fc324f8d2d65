"""`dataset_info`: every supported data set described without loading it."""

import dataclasses

import pytest

from pixeldist.data import (
    DIGITS_HIGH,
    DIGITS_IMAGE_SHAPE,
    QUICKDRAW_SEED_CLASSES,
    DatasetInfo,
    dataset_info,
)
from pixeldist.data.quickdraw_classes import QUICKDRAW_CLASS_NAMES

# name: (image_shape, high, num_classes, held-out source split)
EXPECTED = {
    "digits": (DIGITS_IMAGE_SHAPE, DIGITS_HIGH, 10, "test"),
    "mnist": ((28, 28, 1), 255, 10, "test"),
    "binarized_mnist": ((28, 28, 1), 1, None, "test"),
    "fashion_mnist": ((28, 28, 1), 255, 10, "test"),
    "cifar10": ((32, 32, 3), 255, 10, "test"),
    "quickdraw_bitmap": ((28, 28, 1), 255, 345, "train[:10%]"),
    "imagenet_resized/32x32": ((32, 32, 3), 255, 1000, "validation"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_native_description(name):
    image_shape, high, num_classes, held_out = EXPECTED[name]
    info = dataset_info(name)
    assert isinstance(info, DatasetInfo) and info.name == name
    assert info.image_shape == image_shape
    assert info.high == high
    assert info.num_classes == num_classes
    assert info.has_labels == (num_classes is not None)
    assert info.held_out_split == held_out
    assert info.source_split("test") == held_out
    assert info.description


def test_quickdraw_train_and_held_out_slices_partition_train():
    info = dataset_info("quickdraw_bitmap")
    assert info.source_split("train") == "train[10%:]"
    assert info.source_split("test") == "train[:10%]"
    assert "train[:10%]" in info.description


@pytest.mark.parametrize(
    "name, validation",
    [
        ("binarized_mnist", "validation"),
        ("imagenet_resized/32x32", "validation"),
        ("mnist", None),
        ("digits", None),
        ("quickdraw_bitmap", None),
    ],
)
def test_validation_split_only_where_the_data_set_has_one(name, validation):
    info = dataset_info(name)
    if validation is None:
        with pytest.raises(ValueError, match="`split`"):
            info.source_split("validation")
    else:
        assert info.source_split("validation") == validation


def test_unknown_split_names_the_argument():
    with pytest.raises(ValueError, match="`split`.*'valid'"):
        dataset_info("mnist").source_split("valid")


def test_unknown_name_lists_the_supported_names():
    with pytest.raises(ValueError, match="svhn") as caught:
        dataset_info("svhn")
    for name in EXPECTED:
        assert name in str(caught.value)


def test_options_change_shape_range_and_classes():
    info = dataset_info("cifar10", binarize=True, resize=(16, 12), classes=[3, 5, 1])
    assert info.image_shape == (16, 12, 3)
    assert info.high == 1
    assert info.num_classes == 3 and info.has_labels
    assert info.held_out_split == "test"
    assert "16x12" in info.description and "[3, 5, 1]" in info.description


def test_quickdraw_seed_classes_become_twenty_labels():
    assert len(set(QUICKDRAW_SEED_CLASSES)) == 20
    info = dataset_info("quickdraw_bitmap", classes=QUICKDRAW_SEED_CLASSES)
    assert info.num_classes == 20


def test_binarizing_a_binary_set_changes_nothing():
    assert dataset_info("binarized_mnist", binarize=True) == dataset_info(
        "binarized_mnist"
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "binarized_mnist", "classes": [0]}, "no.*labels|labels.*none"),
        ({"name": "mnist", "classes": [10]}, r"\[10\].*out of range"),
        ({"name": "mnist", "classes": [-1]}, "out of range"),
        ({"name": "mnist", "classes": []}, "at least one"),
        ({"name": "mnist", "classes": [1, 1]}, "repeat"),
        ({"name": "mnist", "classes": [1.5]}, "integer"),
        ({"name": "mnist", "resize": (0, 8)}, "positive"),
        ({"name": "mnist", "resize": (8,)}, "`resize`"),
        ({"name": "mnist", "resize": (8.0, 8)}, "`resize`"),
    ],
)
def test_bad_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dataset_info(**kwargs)


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        dataset_info("mnist").high = 1


# name: (label 0's name, the last label's name); None: no names
CLASS_NAMES = {
    "digits": ("0", "9"),
    "mnist": ("0", "9"),
    "binarized_mnist": None,
    "fashion_mnist": ("T-shirt/top", "Ankle boot"),
    "cifar10": ("airplane", "truck"),
    "quickdraw_bitmap": ("aircraft carrier", "zigzag"),
    "imagenet_resized/32x32": None,
}


@pytest.mark.parametrize("name", sorted(CLASS_NAMES))
def test_class_names(name):
    info = dataset_info(name)
    if CLASS_NAMES[name] is None:
        assert info.class_names is None
        return
    assert len(info.class_names) == info.num_classes
    assert len(set(info.class_names)) == info.num_classes
    assert (info.class_names[0], info.class_names[-1]) == CLASS_NAMES[name]


def test_quickdraw_names_are_the_tfds_label_file():
    import tensorflow_datasets as tfds

    path = tfds.core.tfds_path("datasets/quickdraw_bitmap/labels.txt")
    assert QUICKDRAW_CLASS_NAMES == tuple(path.read_text().split("\n")[:345])


def test_selected_classes_keep_their_names_in_the_given_order():
    info = dataset_info("cifar10", classes=[3, 5, 1])
    assert info.class_names == ("cat", "dog", "automobile")
    info = dataset_info("quickdraw_bitmap", classes=QUICKDRAW_SEED_CLASSES)
    assert info.class_names[:3] == ("bee", "bicycle", "broccoli")
    assert info.class_names[-1] == "tree"
    assert dataset_info("imagenet_resized/32x32", classes=[2, 1]).class_names is None
