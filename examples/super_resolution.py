"""Super-resolution: a PixelCNN conditioned on the 4x average-pooled image.

The model is `p(x | m)`, `m = low_resolution(x, 4)`: a spatial condition
(`conditional_shape=(H/4, W/4, C)`) that every layer reads through a learned
up-sampling. Beside it, the same architecture without the condition is
trained for the same wall-clock time, and both are scored on held-out
images: the difference in bits/dim is what the low-resolution image tells
about the high-resolution one. Then several high-resolution images are
sampled for each held-out low-resolution input.

Offline, on the bundled digits (8x8, 17 grey levels; the condition is 2x2):

    python examples/super_resolution.py --seconds 120 --out super_resolution.png

The TFDS recipe (MNIST, 28x28 -> 7x7; needs the data set downloaded once):

    python examples/super_resolution.py --dataset mnist --seconds 1800 \\
        --num-layers 6 --num-filters 64 --batch-size 64
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import dataset_info, load, low_resolution  # noqa: E402
from pixeldist.plotting import super_resolution_grid  # noqa: E402


def _pairs(name, split, factor, high, max_examples=None):
    """`(image, low-resolution condition)` pairs of a data set's split."""
    data = load(name, split)
    if max_examples:
        data = data.take(max_examples)
    return data.map(
        lambda image, *_: (image, low_resolution(image, factor, high)),
        num_parallel_calls=tf.data.AUTOTUNE,
    ).cache()


def _train_for_equal_time(models, data, seconds):
    """Trains each `DensityModel` for `seconds` of wall-clock time.

    The models take turns, one epoch at a time, the one that has trained
    least going next, so that a busy machine slows them alike. Returns the
    seconds and epochs each one trained.
    """
    used = [0.0] * len(models)
    epochs = [0] * len(models)
    while min(used) < seconds:
        k = int(np.argmin(used))
        start = time.perf_counter()
        models[k].fit(data[k], epochs=epochs[k] + 1, initial_epoch=epochs[k], verbose=0)
        used[k] += time.perf_counter() - start
        epochs[k] += 1
    return used, epochs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="digits", help="digits, mnist, ...")
    parser.add_argument("--factor", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=120, help="per model")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--num-layers", type=int, default=4)
    parser.add_argument("--num-filters", type=int, default=64)
    parser.add_argument("--inputs", type=int, default=8, help="held-out inputs")
    parser.add_argument("--samples", type=int, default=4, help="per input")
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="super_resolution.png")
    args = parser.parse_args(argv)

    info = dataset_info(args.dataset)
    height, width, channels = info.image_shape
    condition_shape = (height // args.factor, width // args.factor, channels)
    pairs = {
        split: _pairs(args.dataset, split, args.factor, info.high, args.max_examples)
        for split in ("train", "test")
    }
    train = pairs["train"].shuffle(10_000, seed=args.seed).batch(args.batch_size)
    test = pairs["test"].batch(256)

    def model(**condition):
        return pixeldist.PixelCNN(
            info.image_shape,
            high=info.high,
            num_layers=args.num_layers,
            num_filters=args.num_filters,
            **condition,
        )

    keras.utils.set_random_seed(args.seed)
    conditioned = model(conditional_shape=condition_shape)
    unconditioned = model()
    names = ("conditioned on the low-resolution image", "unconditioned")
    models = [
        pixeldist.DensityModel(conditioned),
        pixeldist.DensityModel(unconditioned),
    ]
    for density_model in models:
        density_model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    drop_condition = lambda image, _: image  # noqa: E731
    used, epochs = _train_for_equal_time(
        models, [train, train.map(drop_condition)], args.seconds
    )
    bits = [
        models[0].evaluate(test, verbose=0, return_dict=True)["bits_per_dim"],
        models[1].evaluate(test.map(drop_condition), verbose=0, return_dict=True)[
            "bits_per_dim"
        ],
    ]
    print("\nheld-out bits/dim at equal training time")
    print(f"{'model':<42}{'bits/dim':>10}{'epochs':>8}{'seconds':>9}")
    for row in zip(names, bits, epochs, used, strict=True):
        print(f"{row[0]:<42}{row[1]:>10.3f}{row[2]:>8}{row[3]:>9.0f}")

    images = np.concatenate(
        [image for image, _ in pairs["test"].take(args.inputs).batch(args.inputs)]
    )
    condition = low_resolution(images, args.factor, info.high)
    # One image per condition: each input repeated `samples` times.
    samples = conditioned.sample(
        args.samples * args.inputs,
        conditional_input=tf.tile(condition, [args.samples, 1, 1, 1]),
        seed=args.seed,
    ).numpy()
    samples = samples.reshape(args.samples, args.inputs, *info.image_shape)
    _save_picture(args.out, images, samples, args.factor, info.high)
    print(f"wrote {args.out}: originals, their low-resolution inputs, samples")
    return dict(zip(names, map(float, bits), strict=True))


def _save_picture(path, images, samples, factor, high):
    """Rows: the originals, the low-resolution inputs (enlarged), the samples."""
    inputs = tf.nn.avg_pool2d(tf.cast(images, tf.float32), factor, factor, "VALID")
    picture = super_resolution_grid(
        inputs.numpy(), samples, factor, high, originals=images
    )
    Image.fromarray(picture).save(path)


if __name__ == "__main__":
    main()
