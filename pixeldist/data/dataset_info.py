"""What `pixeldist.data.load` yields for each supported data set, without loading it."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence

from pixeldist.data.digits import DIGITS_HIGH, DIGITS_IMAGE_SHAPE, DIGITS_NUM_CLASSES
from pixeldist.data.quickdraw_classes import QUICKDRAW_CLASS_NAMES


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Shape, value range, labels and splits of a data set as `load` yields it.

    Attributes:
      name: the data set's name: `"digits"` or its TFDS name.
      image_shape: `(H, W, C)` of one image, after any `resize`.
      high: the largest pixel value; pixels are integers in `[0, high]`
        (1 for binary images).
      num_classes: the number of labels, after any `classes` selection;
        `None` for a data set without labels.
      has_labels: whether elements are `(image uint8 [H, W, C], label int64)`
        pairs; otherwise they are images `uint8 [H, W, C]` alone.
      held_out_split: the source split `load(split="test")` reads (a TFDS
        split string, or digits' own `"test"` part).
      description: what the data are, including how the held-out part is made.
      train_split: the source split `load(split="train")` reads.
      validation_split: the source split `load(split="validation")` reads;
        `None` where the data set has no validation split.
      class_names: the name of each label, in label order (after any
        `classes` selection); `None` where the labels have no names here.
    """

    name: str
    image_shape: tuple[int, int, int]
    high: int
    num_classes: int | None
    has_labels: bool
    held_out_split: str
    description: str
    train_split: str = "train"
    validation_split: str | None = None
    class_names: tuple[str, ...] | None = None

    def source_split(self, split: str) -> str:
        """The source split that `load(self.name, split)` reads.

        `"train"`, `"test"` (the held-out part) and, where the data set has
        one, `"validation"`.
        """
        sources = {"train": self.train_split, "test": self.held_out_split}
        if self.validation_split is not None:
            sources["validation"] = self.validation_split
        if split not in sources:
            raise ValueError(
                f"`split` must be one of {tuple(sources)} for {self.name}, "
                f"got {split!r}."
            )
        return sources[split]


_DIGIT_NAMES = tuple(str(digit) for digit in range(10))

#: TFDS' names of the Fashion-MNIST and CIFAR-10 labels.
_FASHION_MNIST_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_CIFAR10_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

_MNIST_DESCRIPTION = (
    "{what}: 60,000 train and 10,000 test 28x28 grey images, 10 classes."
)

_CATALOGUE = {
    info.name: info
    for info in (
        DatasetInfo(
            name="digits",
            image_shape=DIGITS_IMAGE_SHAPE,
            high=DIGITS_HIGH,
            num_classes=DIGITS_NUM_CLASSES,
            has_labels=True,
            held_out_split="test",
            description=(
                "scikit-learn's bundled handwritten digits, no download: 1,797 "
                "8x8 grey images with levels 0-16, 10 classes. Held out: every "
                "fifth example (index % 5 == 4, 359 images); train: the other "
                "1,438."
            ),
            class_names=_DIGIT_NAMES,
        ),
        DatasetInfo(
            name="mnist",
            image_shape=(28, 28, 1),
            high=255,
            num_classes=10,
            has_labels=True,
            held_out_split="test",
            description=_MNIST_DESCRIPTION.format(what="MNIST handwritten digits"),
            class_names=_DIGIT_NAMES,
        ),
        DatasetInfo(
            name="binarized_mnist",
            image_shape=(28, 28, 1),
            high=1,
            num_classes=None,
            has_labels=False,
            held_out_split="test",
            validation_split="validation",
            description=(
                "MNIST binarized by Larochelle & Murray (2011): 50,000 train, "
                "10,000 validation and 10,000 test 28x28 images with pixels 0 or "
                "1, no labels."
            ),
        ),
        DatasetInfo(
            name="fashion_mnist",
            image_shape=(28, 28, 1),
            high=255,
            num_classes=10,
            has_labels=True,
            held_out_split="test",
            description=_MNIST_DESCRIPTION.format(what="Fashion-MNIST clothing"),
            class_names=_FASHION_MNIST_NAMES,
        ),
        DatasetInfo(
            name="cifar10",
            image_shape=(32, 32, 3),
            high=255,
            num_classes=10,
            has_labels=True,
            held_out_split="test",
            description=(
                "CIFAR-10: 50,000 train and 10,000 test 32x32 colour images, "
                "10 classes."
            ),
            class_names=_CIFAR10_NAMES,
        ),
        DatasetInfo(
            name="quickdraw_bitmap",
            image_shape=(28, 28, 1),
            high=255,
            num_classes=345,
            has_labels=True,
            # TFDS has only a `train` split (about 50 million drawings, classes
            # mixed by TFDS' shuffling at generation time); a fixed slice of it
            # is held out.
            held_out_split="train[:10%]",
            train_split="train[10%:]",
            description=(
                "Quick, Draw! bitmaps: 28x28 grey drawings in 345 classes. TFDS "
                "has one split, `train`: its first 10% (`train[:10%]`) is held "
                "out, the other 90% (`train[10%:]`) is train."
            ),
            class_names=QUICKDRAW_CLASS_NAMES,
        ),
        DatasetInfo(
            name="imagenet_resized/32x32",
            image_shape=(32, 32, 3),
            high=255,
            num_classes=1000,
            has_labels=True,
            held_out_split="validation",
            validation_split="validation",
            description=(
                "ImageNet downsampled to 32x32 (Chrabaszcz et al. 2017): "
                "1,281,167 train and 50,000 validation colour images, 1000 "
                "classes. Held out: `validation`."
            ),
        ),
    )
}


def dataset_info(
    name: str,
    binarize: bool = False,
    resize: Sequence[int] | None = None,
    classes: Sequence[int] | None = None,
) -> DatasetInfo:
    """What `load(name, binarize=..., resize=..., classes=...)` yields.

    Nothing is loaded or downloaded. The arguments are checked exactly as
    `load` checks them.

    Args:
      name: `"digits"`, `"mnist"`, `"binarized_mnist"`, `"fashion_mnist"`,
        `"cifar10"`, `"quickdraw_bitmap"` or `"imagenet_resized/32x32"`.
      binarize: pixels become 1 where `value > high / 2`, else 0; `high` is 1.
      resize: `(height, width)` of the images, or `None` to keep them.
      classes: label indices to keep, relabelled `0..len(classes) - 1` in the
        given order; only for data sets with labels.

    Returns:
      A `DatasetInfo`.

    Raises:
      ValueError: for an unknown name, a bad `resize`, or `classes` that are
        empty, repeated, out of range or given for a data set without labels.
    """
    if name not in _CATALOGUE:
        raise ValueError(
            f"Unknown data set {name!r}; supported: {', '.join(_CATALOGUE)}."
        )
    info = _CATALOGUE[name]
    notes = []
    if resize is not None:
        height, width = _checked_resize(resize)
        info = dataclasses.replace(
            info, image_shape=(height, width, info.image_shape[-1])
        )
        notes.append(f"resized to {height}x{width}")
    if binarize and info.high != 1:
        info = dataclasses.replace(info, high=1)
        notes.append("binarized (1 where value > high / 2)")
    if classes is not None:
        classes = _checked_classes(classes, info)
        names = info.class_names
        if names is not None:
            names = tuple(names[label] for label in classes)
        info = dataclasses.replace(info, num_classes=len(classes), class_names=names)
        notes.append(f"classes {list(classes)} relabelled 0..{len(classes) - 1}")
    if notes:
        info = dataclasses.replace(
            info, description=f"{info.description} Here: {'; '.join(notes)}."
        )
    return info


def _checked_resize(resize: Sequence[int]) -> tuple[int, int]:
    try:
        height, width = (operator.index(size) for size in resize)
    except (TypeError, ValueError):
        raise ValueError(
            f"`resize` must be (height, width) integers, got {resize!r}."
        ) from None
    if height < 1 or width < 1:
        raise ValueError(f"`resize` sizes must be positive, got {resize!r}.")
    return height, width


def _checked_classes(classes: Sequence[int], info: DatasetInfo) -> tuple[int, ...]:
    if not info.has_labels:
        raise ValueError(f"`classes` needs labels, but {info.name} has none.")
    try:
        classes = tuple(operator.index(label) for label in classes)
    except TypeError:
        raise ValueError(
            f"`classes` must be integer labels, got {classes!r}."
        ) from None
    if not classes:
        raise ValueError("`classes` must name at least one label.")
    if len(set(classes)) != len(classes):
        raise ValueError(f"`classes` must not repeat a label, got {list(classes)}.")
    out_of_range = [label for label in classes if not 0 <= label < info.num_classes]
    if out_of_range:
        raise ValueError(
            f"`classes` {out_of_range} are out of range: {info.name} has labels "
            f"0..{info.num_classes - 1}."
        )
    return classes
