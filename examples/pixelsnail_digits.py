"""Train a class-conditional PixelSNAIL on the bundled digits, draw samples per class.

PixelSNAIL adds causal self-attention to PixelCNN++'s gated residual blocks:
every pixel's prediction can look at all the earlier pixels at once. Runs
offline on a laptop CPU in about two minutes (held-out bits/dim 3.36 before
training, 1.76 after, on a busy 2-core machine):

    python examples/pixelsnail_digits.py --epochs 20 --out pixelsnail_digits.png

It prints held-out bits/dim before and after training, times `sample` with
the cached sampler (each attention layer keeps a key/value cache), and
writes a PNG with one row per class: real held-out digits on the left,
generated ones on the right.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import (  # noqa: E402
    DIGITS_HIGH,
    DIGITS_IMAGE_SHAPE,
    DIGITS_NUM_CLASSES,
    digits_arrays,
    load_digits_dataset,
)
from pixeldist.plotting import save_image_grid  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument(
        "--likelihood",
        default="logistic_mixture",
        choices=["categorical", "logistic_mixture"],
    )
    parser.add_argument("--num-blocks", type=int, default=2)
    parser.add_argument("--num-resnet", type=int, default=1)
    parser.add_argument("--num-filters", type=int, default=32)
    parser.add_argument("--num-heads", type=int, default=2)
    parser.add_argument("--key-channels", type=int, default=16)
    parser.add_argument("--value-channels", type=int, default=32)
    parser.add_argument("--samples-per-class", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="pixelsnail_digits.png")
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    dist = pixeldist.PixelSNAIL(
        DIGITS_IMAGE_SHAPE,
        num_blocks=args.num_blocks,
        num_resnet=args.num_resnet,
        num_filters=args.num_filters,
        num_heads=args.num_heads,
        key_channels=args.key_channels,
        value_channels=args.value_channels,
        num_logistic_mix=5,
        num_classes=DIGITS_NUM_CLASSES,
        likelihood=args.likelihood,
        high=DIGITS_HIGH,
    )
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    train = (
        load_digits_dataset("train")
        .shuffle(2048, seed=args.seed)
        .batch(args.batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    test = load_digits_dataset("test").batch(512)

    before = model.evaluate(test, verbose=0, return_dict=True)["bits_per_dim"]
    print(f"held-out bits/dim before training: {before:.3f}")
    model.fit(train, epochs=args.epochs, validation_data=test, verbose=2)
    after = model.evaluate(test, verbose=0, return_dict=True)["bits_per_dim"]
    print(f"held-out bits/dim after training:  {after:.3f}")

    per_class = args.samples_per_class
    labels = np.repeat(np.arange(DIGITS_NUM_CLASSES), per_class)
    start = time.perf_counter()
    samples = dist.sample(len(labels), seed=args.seed, conditional_input=labels)
    samples = samples.numpy()
    print(f"sampled {len(labels)} digits in {time.perf_counter() - start:.1f} s")
    samples = samples.reshape(DIGITS_NUM_CLASSES, per_class, *DIGITS_IMAGE_SHAPE)
    real_images, real_labels = digits_arrays("test")
    real = np.stack(
        [real_images[real_labels == k][:per_class] for k in range(DIGITS_NUM_CLASSES)]
    )
    save_image_grid(args.out, np.concatenate([real, samples], axis=1), high=DIGITS_HIGH)
    print(f"wrote {args.out}: one row per class, real digits left, samples right")
    return after


if __name__ == "__main__":
    main()
