"""Class-conditional PixelCNN++ on 20 QuickDraw classes, real drawings above samples.

The seed setup: TFDS `quickdraw_bitmap` label indices 26, 29, 43, 49, 50,
125, 134, 172, 218, 225, 246, 255, 258, 271, 295, 296, 308, 320, 322, 323,
relabelled 0-19 (`pixeldist.data.QUICKDRAW_SEED_CLASSES`), and

    PixelCNNPlusPlus(image_shape=(28, 28, 1), num_classes=20, num_resnet=5,
                     num_hierarchies=3, num_filters=128, num_logistic_mix=5,
                     dropout_p=0.5)

The picture has, for each class, a row of real drawings above a row of
generated ones.

    python examples/quickdraw_conditional.py --epochs 10   # a GPU is advisable

Needs the TFDS `quickdraw_bitmap` data set (downloaded on first use).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import QUICKDRAW_SEED_CLASSES, dataset_info, load  # noqa: E402
from pixeldist.plotting import save_image_grid  # noqa: E402


def real_images_per_class(dataset, num_classes, per_class):
    """`[num_classes, per_class, H, W, C]` real images from `dataset`."""
    found = {k: [] for k in range(num_classes)}
    for image, label in dataset.as_numpy_iterator():
        if len(found[int(label)]) < per_class:
            found[int(label)].append(image)
        if all(len(v) == per_class for v in found.values()):
            break
    blank = np.zeros_like(next(v[0] for v in found.values() if v))
    return np.stack(
        [np.stack(v + [blank] * (per_class - len(v))) for v in found.values()]
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--num-resnet", type=int, default=5)
    parser.add_argument("--num-hierarchies", type=int, default=3)
    parser.add_argument("--num-filters", type=int, default=128)
    parser.add_argument("--dropout-p", type=float, default=0.5)
    parser.add_argument("--resize", type=int, nargs=2, default=None)
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--samples-per-class", type=int, default=8)
    parser.add_argument("--out", default="quickdraw_samples.png")
    args = parser.parse_args(argv)

    options = dict(classes=QUICKDRAW_SEED_CLASSES, resize=args.resize)
    info = dataset_info("quickdraw_bitmap", **options)
    dist = pixeldist.PixelCNNPlusPlus(
        image_shape=info.image_shape,
        num_classes=info.num_classes,
        num_resnet=args.num_resnet,
        num_hierarchies=args.num_hierarchies,
        num_filters=args.num_filters,
        num_logistic_mix=5,
        dropout_p=args.dropout_p,
        high=info.high,
    )
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    train = load("quickdraw_bitmap", "train", **options)
    held_out = load("quickdraw_bitmap", "test", **options)
    if args.max_examples:
        train = train.take(args.max_examples)
        held_out = held_out.take(args.max_examples)
    model.fit(
        train.shuffle(10_000, seed=0).batch(args.batch_size).prefetch(tf.data.AUTOTUNE),
        epochs=args.epochs,
        verbose=2,
    )
    bits = model.evaluate(held_out.batch(256), verbose=0, return_dict=True)
    print(f"held-out bits/dim: {bits['bits_per_dim']:.4f}")

    per_class = args.samples_per_class
    labels = np.repeat(np.arange(info.num_classes), per_class)
    generated = dist.sample(len(labels), conditional_input=labels, seed=0).numpy()
    generated = generated.reshape(info.num_classes, per_class, *info.image_shape)
    real = real_images_per_class(held_out, info.num_classes, per_class)
    rows = np.stack([row for pair in zip(real, generated, strict=True) for row in pair])
    save_image_grid(args.out, rows, high=info.high)
    print(f"wrote {args.out}: for each class, real drawings above generated ones")
    return bits["bits_per_dim"]


if __name__ == "__main__":
    main()
