"""Data sets for the command line: names, held-out images, shape checks."""

from __future__ import annotations

import numpy as np

from pixeldist.cli.command_error import CommandError

#: The names `pixeldist.data.dataset_info` knows, checked by the argument
#: parser before TensorFlow loads (a test keeps the two lists equal).
DATASET_NAMES = (
    "digits",
    "mnist",
    "binarized_mnist",
    "fashion_mnist",
    "cifar10",
    "quickdraw_bitmap",
    "imagenet_resized/32x32",
)


def data_info(settings: dict, dataset: str | None = None):
    """The `DatasetInfo` of the run's data set (or of `dataset`)."""
    from pixeldist.data import dataset_info

    try:
        return dataset_info(
            dataset or settings["dataset"],
            binarize=settings.get("binarize", False),
            resize=settings.get("resize"),
            classes=settings.get("classes"),
        )
    except ValueError as error:
        raise CommandError(str(error)) from None


def class_names(info, num_classes: int) -> list[str]:
    """Names of the labels `0..num_classes-1`: the data set's, else "class k"."""
    names = info.class_names
    if names is None or len(names) != num_classes:
        return [f"class {label}" for label in range(num_classes)]
    return list(names)


def load_split(settings: dict, split: str, dataset: str | None = None):
    """`tf.data.Dataset` of the run's data set (or `dataset`) and `split`."""
    from pixeldist.data import load

    try:
        return load(
            dataset or settings["dataset"],
            split,
            binarize=settings.get("binarize", False),
            resize=settings.get("resize"),
            classes=settings.get("classes"),
            data_dir=settings.get("data_dir"),
        )
    except ValueError as error:
        raise CommandError(str(error)) from None
    except Exception as error:  # TFDS raises its own types when data is missing
        raise CommandError(
            f"Cannot load data set {dataset or settings['dataset']!r} ({split}): "
            f"{type(error).__name__}: {str(error).splitlines()[0]}"
        ) from None


def check_fits(info, distribution) -> None:
    """The data set's images must fit the model: shape, value range, classes."""
    if tuple(info.image_shape) != tuple(distribution.image_shape):
        raise CommandError(
            f"Data set {info.name!r} has images of shape {tuple(info.image_shape)}, "
            f"but the model expects {tuple(distribution.image_shape)}."
        )
    if info.high > distribution.high:
        raise CommandError(
            f"Data set {info.name!r} has pixel values up to {info.high}, but the "
            f"model's values are in [{distribution.low}, {distribution.high}]."
        )
    if (
        distribution.num_classes is not None
        and info.num_classes
        and (info.num_classes > distribution.num_classes)
    ):
        raise CommandError(
            f"Data set {info.name!r} has {info.num_classes} classes, but the model "
            f"has {distribution.num_classes}."
        )


def take_examples(dataset, count: int):
    """The first `count` `(images, labels or None)` of a data set, as numpy."""
    images, labels = [], []
    for element in dataset.take(count).as_numpy_iterator():
        if isinstance(element, tuple):
            images.append(element[0])
            labels.append(element[1])
        else:
            images.append(element)
    images = np.stack(images) if images else np.zeros((0,))
    return images, (np.asarray(labels) if labels else None)


def examples_per_class(dataset, num_classes: int, per_class: int, limit: int = 20000):
    """`[num_classes, per_class, H, W, C]` real images, scanning at most `limit`."""
    found = {k: [] for k in range(num_classes)}
    for image, label in dataset.take(limit).as_numpy_iterator():
        bucket = found.get(int(label))
        if bucket is not None and len(bucket) < per_class:
            bucket.append(image)
        if all(len(v) == per_class for v in found.values()):
            break
    shape = next(iter(v[0] for v in found.values() if v), None)
    rows = []
    for k in range(num_classes):
        row = list(found[k])
        while len(row) < per_class:  # a class missing from the scanned part
            row.append(np.zeros_like(shape))
        rows.append(np.stack(row))
    return np.stack(rows)


def condition_factor(settings: dict) -> int | None:
    """`F` of a run trained with `--condition lowres:F`, else `None`."""
    condition = settings.get("condition")
    return int(condition.split(":")[1]) if condition else None


def condition_shape(settings: dict, image_shape) -> tuple[int, int, int]:
    """The low-resolution shape `(H/F, W/F, C)`; F must divide `H` and `W`."""
    factor = condition_factor(settings)
    height, width, channels = image_shape
    if height % factor or width % factor:
        raise CommandError(
            f"--condition lowres:{factor} needs images whose height and width "
            f"{factor} divides, got {height}x{width}."
        )
    return height // factor, width // factor, channels


def with_condition(data, settings: dict, high: int, low: int = 0):
    """`(image, low-resolution map)` pairs for a `lowres:F` run, else `data`."""
    factor = condition_factor(settings)
    if factor is None:
        return data
    from pixeldist.data import low_resolution

    return data.map(lambda image, *_: (image, low_resolution(image, factor, high, low)))
