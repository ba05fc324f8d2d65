"""`load`: image data sets by name, as `tf.data` pipelines ready for `fit`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf

from pixeldist.data.dataset_info import DatasetInfo, dataset_info
from pixeldist.data.digits import load_digits_dataset


def load(
    name: str = "digits",
    split: str = "train",
    *,
    binarize: bool = False,
    resize: Sequence[int] | None = None,
    classes: Sequence[int] | None = None,
    data_dir: str | None = None,
    shuffle_files: bool = False,
) -> tf.data.Dataset:
    """A data set of images, with labels where it has them, by name.

    Elements are `(image uint8 [H, W, C], label int64)` pairs, or images
    `uint8 [H, W, C]` alone for a data set without labels (`binarized_mnist`);
    after `.batch(n)` they go straight to `pixeldist.DensityModel.fit`.
    `dataset_info(name, binarize, resize, classes)` gives `H, W, C`, the
    largest pixel value `high` and the number of classes without loading.

    ```python
    train = load("quickdraw_bitmap", classes=QUICKDRAW_SEED_CLASSES)
    test = load("quickdraw_bitmap", "test", classes=QUICKDRAW_SEED_CLASSES)
    ```

    `"digits"` is scikit-learn's bundled set and needs no download; the other
    names are TFDS names, read with `tfds.load`, which downloads and prepares
    them into `data_dir` on first use.

    Splits: `"train"`, and `"test"`, the held-out part: the data set's own
    `test` split where it has one; digits' every fifth example; for
    `quickdraw_bitmap`, which has only `train`, its first 10% (`train[:10%]`),
    training on the other 90% (`train[10%:]`); for `imagenet_resized/32x32`,
    its `validation` split. `"validation"` reads the `validation` split of the
    data sets that have one (`binarized_mnist`, `imagenet_resized/32x32`).

    The options apply in this order: `classes`, `resize`, `binarize`.

    Args:
      name: `"digits"`, `"mnist"`, `"binarized_mnist"`, `"fashion_mnist"`,
        `"cifar10"`, `"quickdraw_bitmap"` or `"imagenet_resized/32x32"`.
      split: `"train"`, `"test"` or, where the data set has one,
        `"validation"`.
      binarize: threshold at half the range: a pixel becomes 1 where
        `value > high / 2` (for 0..255 images: 128 and above), else 0; the
        data set's `high` becomes 1.
      resize: `(height, width)` to resize to: area averaging when shrinking
        both sides, bilinear otherwise, rounded back to integers; images that
        are binary already (`binarized_mnist`) use nearest neighbour. With
        `binarize`, the resized grey image is thresholded.
      classes: label indices to keep; they are relabelled `0..k-1` in the
        given order (e.g. `QUICKDRAW_SEED_CLASSES`). Only for data sets with
        labels.
      data_dir: TFDS data directory (ignored for `"digits"`).
      shuffle_files: whether TFDS reads its files in random order (ignored
        for `"digits"`).

    Returns:
      A `tf.data.Dataset`, unbatched.

    Raises:
      ValueError: for an unknown `name` or `split`, or bad `resize` or
        `classes` (see `dataset_info`).
    """
    if classes is not None:
        classes = tuple(classes)  # read twice: checked, then used
    info = dataset_info(name, binarize=binarize, resize=resize, classes=classes)
    source = dataset_info(name)
    source_split = source.source_split(split)
    if name == "digits":
        dataset = load_digits_dataset(source_split)
    else:
        dataset = _load_tfds(source, source_split, data_dir, shuffle_files)
    if classes is not None:
        dataset = _keep_classes(dataset, classes, source.num_classes)
    if info.image_shape != source.image_shape:
        dataset = _map_images(
            dataset, _image_resizer(source, info.image_shape[:2]), source.has_labels
        )
    if info.high != source.high:
        dataset = _map_images(dataset, _binarizer(source.high), source.has_labels)
    return dataset


def _load_tfds(
    source: DatasetInfo, split: str, data_dir: str | None, shuffle_files: bool
) -> tf.data.Dataset:
    # Imported here: TFDS is slow to import and `digits` does not need it.
    import tensorflow_datasets as tfds

    dataset = tfds.load(
        source.name,
        split=split,
        as_supervised=source.has_labels,
        data_dir=data_dir,
        shuffle_files=shuffle_files,
    )
    if not source.has_labels:
        dataset = dataset.map(lambda example: example["image"])
    return dataset


def _keep_classes(
    dataset: tf.data.Dataset, classes: Sequence[int], num_classes: int
) -> tf.data.Dataset:
    new_label = np.full(num_classes, -1, np.int64)  # -1: dropped
    new_label[list(classes)] = np.arange(len(classes))
    new_label = tf.constant(new_label)  # [num_classes]
    return dataset.filter(lambda image, label: tf.gather(new_label, label) >= 0).map(
        lambda image, label: (image, tf.gather(new_label, label))
    )


def _map_images(
    dataset: tf.data.Dataset, transform: Callable, has_labels: bool
) -> tf.data.Dataset:
    if has_labels:
        return dataset.map(
            lambda image, label: (transform(image), label),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return dataset.map(transform, num_parallel_calls=tf.data.AUTOTUNE)


def _image_resizer(source: DatasetInfo, size: tuple[int, int]) -> Callable:
    """`uint8 [H, W, C]` -> `uint8 [size..., C]`, values kept in `[0, high]`."""
    height, width = source.image_shape[:2]
    if source.high == 1:
        # Averaging would make grey levels of binary pixels.
        method = "nearest"
    elif size[0] <= height and size[1] <= width:
        # Area averaging uses every source pixel; bilinear would alias.
        method = "area"
    else:
        method = "bilinear"

    def resize(image):
        resized = tf.image.resize(tf.cast(image, tf.float32), size, method=method)
        resized = tf.clip_by_value(tf.round(resized), 0.0, float(source.high))
        return tf.cast(resized, tf.uint8)

    return resize


def _binarizer(high: int) -> Callable:
    """`uint8 [H, W, C]` in `[0, high]` -> `uint8` 1 where `value > high / 2`."""

    def binarize(image):
        # `2 * value > high` is `value > high / 2` without float rounding.
        return tf.cast(2 * tf.cast(image, tf.int32) > high, tf.uint8)

    return binarize
