"""`load`: TFDS paths run under `tfds.testing.mock_data`; digits runs offline."""

import contextlib

import keras
import numpy as np
import pytest
import tensorflow_datasets as tfds

import pixeldist
from pixeldist.data import QUICKDRAW_SEED_CLASSES, dataset_info, digits_arrays, load

TFDS_NAMES = [
    "mnist",
    "binarized_mnist",
    "fashion_mnist",
    "cifar10",
    "quickdraw_bitmap",
    "imagenet_resized/32x32",
]


@contextlib.contextmanager
def mock_tfds(name, num_examples=4):
    """Offline `tfds.load` with the real feature specs and random values."""
    if name == "digits":
        yield
        return
    # The mock draws pixels below `max_value` (default 255); binarized_mnist's
    # real pixels are 0 or 1.
    max_value = 2 if name == "binarized_mnist" else None
    with tfds.testing.mock_data(num_examples=num_examples, max_value=max_value):
        yield


@pytest.fixture
def tfds_load_calls(monkeypatch):
    """Records `(name, keyword arguments)` of every `tfds.load` call."""
    calls = []
    real_load = tfds.load

    def spy(name, **kwargs):
        calls.append((name, kwargs))
        return real_load(name, **kwargs)

    monkeypatch.setattr(tfds, "load", spy)
    return calls


def as_numpy(dataset):
    """`[(image, label), ...]` or `[image, ...]` as NumPy values."""
    return list(dataset.as_numpy_iterator())


@pytest.mark.parametrize(
    "name, options",
    [(name, {}) for name in ["digits", *TFDS_NAMES]]
    + [
        ("digits", {"resize": (16, 16)}),
        ("mnist", {"binarize": True, "classes": [7, 2]}),
        ("cifar10", {"resize": (8, 12), "binarize": True}),
        ("binarized_mnist", {"resize": (14, 14)}),
    ],
)
def test_dataset_info_describes_what_load_yields(name, options, tfds_load_calls):
    info = dataset_info(name, **options)
    with mock_tfds(name, num_examples=30):
        dataset = load(name, **options)
        elements = as_numpy(dataset)
    assert elements
    if info.has_labels:
        images = np.stack([image for image, _ in elements])
        labels = np.array([label for _, label in elements])
        assert dataset.element_spec[1].dtype.name == "int64"
        assert dataset.element_spec[1].shape == ()
        assert labels.dtype == np.int64
        assert 0 <= labels.min() and labels.max() < info.num_classes
    else:
        assert not isinstance(dataset.element_spec, tuple)
        images = np.stack(elements)
    image_spec = dataset.element_spec[0] if info.has_labels else dataset.element_spec
    assert tuple(image_spec.shape) == info.image_shape
    assert image_spec.dtype.name == "uint8"
    assert images.shape[1:] == info.image_shape and images.dtype == np.uint8
    # The values fill the range up to `high`, not a smaller or larger one.
    assert info.high // 2 < images.max() <= info.high
    if info.high == 1:
        assert set(np.unique(images)) == {0, 1}
    if name == "digits":
        assert not tfds_load_calls
    else:
        assert [called for called, _ in tfds_load_calls] == [name]
        assert tfds_load_calls[0][1]["as_supervised"] == info.has_labels


@pytest.mark.parametrize(
    "name, split, source_split",
    [
        ("mnist", "train", "train"),
        ("mnist", "test", "test"),
        ("fashion_mnist", "test", "test"),
        ("cifar10", "test", "test"),
        ("binarized_mnist", "test", "test"),
        ("binarized_mnist", "validation", "validation"),
        ("quickdraw_bitmap", "train", "train[10%:]"),
        ("quickdraw_bitmap", "test", "train[:10%]"),
        ("imagenet_resized/32x32", "test", "validation"),
        ("imagenet_resized/32x32", "validation", "validation"),
    ],
)
def test_split_reaching_tfds_load(name, split, source_split, tfds_load_calls):
    with mock_tfds(name):
        load(name, split)
    assert len(tfds_load_calls) == 1
    called_name, kwargs = tfds_load_calls[0]
    assert called_name == name and kwargs["split"] == source_split


def test_data_dir_and_shuffle_files_reach_tfds_load(tfds_load_calls, tmp_path):
    with mock_tfds("cifar10"):
        load("cifar10", data_dir=str(tmp_path), shuffle_files=True)
    kwargs = tfds_load_calls[0][1]
    assert kwargs["data_dir"] == str(tmp_path) and kwargs["shuffle_files"] is True


@pytest.mark.parametrize(
    "name, split", [("mnist", "validation"), ("cifar10", "valid"), ("digits", "dev")]
)
def test_unknown_split_raises_before_loading(name, split, tfds_load_calls):
    with pytest.raises(ValueError, match="`split`"):
        load(name, split)
    assert not tfds_load_calls


@pytest.mark.parametrize(
    "name, options, match",
    [
        ("svhn", {}, "supported: digits, mnist"),
        ("binarized_mnist", {"classes": [1]}, "labels"),
        ("quickdraw_bitmap", {"classes": [26, 345]}, "out of range"),
    ],
)
def test_bad_arguments_raise_before_loading(name, options, match, tfds_load_calls):
    with pytest.raises(ValueError, match=match):
        load(name, **options)
    assert not tfds_load_calls


@pytest.mark.parametrize("split", ["train", "test"])
def test_digits_offline_matches_digits_arrays(split, monkeypatch):
    def no_tfds(*args, **kwargs):
        raise AssertionError("digits must not touch TFDS")

    monkeypatch.setattr(tfds, "load", no_tfds)
    images, labels = digits_arrays(split)
    elements = as_numpy(load("digits", split))
    np.testing.assert_array_equal(np.stack([image for image, _ in elements]), images)
    np.testing.assert_array_equal([label for _, label in elements], labels)


def test_default_is_digits_train():
    image, label = next(iter(load()))
    assert image.shape == (8, 8, 1) and label.dtype.name == "int64"
    np.testing.assert_array_equal(image, digits_arrays("train")[0][0])


def test_binarize_thresholds_at_half_the_range():
    with mock_tfds("mnist", num_examples=6):
        raw = as_numpy(load("mnist"))
        binary = as_numpy(load("mnist", binarize=True))
    for (raw_image, raw_label), (image, label) in zip(raw, binary, strict=True):
        np.testing.assert_array_equal(image, (raw_image >= 128).astype(np.uint8))
        assert label == raw_label


def test_binarize_digits_uses_its_own_range():
    images, _ = digits_arrays("test")
    binary = np.stack(
        [image for image, _ in as_numpy(load("digits", "test", binarize=True))]
    )
    np.testing.assert_array_equal(binary, (images > 8).astype(np.uint8))


def test_shrinking_averages_areas():
    with mock_tfds("cifar10", num_examples=3):
        raw = as_numpy(load("cifar10"))
        small = as_numpy(load("cifar10", resize=(8, 8)))
    for (raw_image, raw_label), (image, label) in zip(raw, small, strict=True):
        block_means = raw_image.reshape(8, 4, 8, 4, 3).mean(axis=(1, 3))  # [8, 8, 3]
        # Rounded area means; bilinear would sample only the central 2x2 pixels.
        assert np.abs(image - block_means).max() <= 0.5 + 1e-3
        assert label == raw_label


def test_growing_interpolates_bilinearly():
    images, _ = digits_arrays("test")
    elements = as_numpy(load("digits", "test", resize=(24, 24)))
    large = np.stack([image for image, _ in elements])
    assert large.shape == (len(images), 24, 24, 1) and large.dtype == np.uint8
    assert large.max() == 16
    # With half-pixel centres, every third pixel from the second sits exactly
    # on a source pixel centre; the pixels in between are interpolated, not
    # copied as nearest neighbour would.
    np.testing.assert_array_equal(large[:, 1::3, 1::3], images)
    nearest = images.repeat(3, axis=1).repeat(3, axis=2)
    assert (large != nearest).mean() > 0.1


def test_resizing_binary_images_picks_source_pixels():
    with mock_tfds("binarized_mnist", num_examples=3):
        raw = as_numpy(load("binarized_mnist"))
        small = as_numpy(load("binarized_mnist", resize=(14, 14)))
    for raw_image, image in zip(raw, small, strict=True):
        assert set(np.unique(image)) <= {0, 1}
        blocks = raw_image.reshape(14, 2, 14, 2)
        picked_from_block = image[..., 0, None, None] == blocks.transpose(0, 2, 1, 3)
        assert picked_from_block.any(axis=(2, 3)).all()


def assert_kept_and_relabelled(raw, kept, classes):
    """`kept` is `raw` filtered to `classes`, labels replaced by their position."""
    expected = [
        (image, classes.index(label)) for image, label in raw if label in classes
    ]
    assert len(kept) == len(expected) > 0
    for (image, label), (expected_image, expected_label) in zip(
        kept, expected, strict=True
    ):
        np.testing.assert_array_equal(image, expected_image)
        assert label == expected_label


def test_classes_on_mnist_in_the_given_order():
    classes = [7, 2]
    with mock_tfds("mnist", num_examples=30):
        raw = as_numpy(load("mnist"))
        kept = as_numpy(load("mnist", classes=classes))
    assert_kept_and_relabelled(raw, kept, classes)


def test_quickdraw_seed_classes():
    classes = list(QUICKDRAW_SEED_CLASSES)
    with mock_tfds("quickdraw_bitmap", num_examples=150):
        raw = as_numpy(load("quickdraw_bitmap", "test"))
        kept = as_numpy(load("quickdraw_bitmap", "test", classes=classes))
    assert_kept_and_relabelled(raw, kept, classes)
    assert {label for _, label in kept} <= set(range(20))


def test_quickdraw_seed_classes_name_the_seed_drawings():
    with mock_tfds("quickdraw_bitmap"):
        names = tfds.builder("quickdraw_bitmap").info.features["label"].names
    assert len(names) == 345
    seed_names = [names[index] for index in QUICKDRAW_SEED_CLASSES]
    assert seed_names[:3] == ["bee", "bicycle", "broccoli"]
    assert seed_names[-3:] == ["tractor", "train", "tree"]


def test_classes_on_digits():
    raw = as_numpy(load("digits", "test"))
    kept = as_numpy(load("digits", "test", classes=[3, 5]))
    assert_kept_and_relabelled(raw, kept, [3, 5])


@pytest.mark.parametrize(
    "name, options",
    [
        ("fashion_mnist", {"resize": (6, 6), "binarize": True, "classes": [0, 9]}),
        ("binarized_mnist", {"resize": (6, 6)}),
    ],
)
def test_batches_train_a_density_model(name, options):
    info = dataset_info(name, **options)
    dist = pixeldist.PixelCNN(
        info.image_shape,
        num_classes=info.num_classes,
        high=info.high,
        num_layers=1,
        num_filters=8,
    )
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    with mock_tfds(name, num_examples=40):
        history = model.fit(load(name, **options).batch(8), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
