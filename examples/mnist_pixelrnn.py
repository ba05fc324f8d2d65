"""PixelRNN (Row LSTM, Diagonal BiLSTM or spatial LSTM) on MNIST, class-conditional.

The paper's MNIST model is a 7-layer Diagonal BiLSTM with h = 16 on
binarized digits; this script defaults to that, with class labels as the
condition, and writes a grid with one row of samples per digit.

    python examples/mnist_pixelrnn.py --epochs 5
    python examples/mnist_pixelrnn.py --cell row_lstm --no-binarize --epochs 5
    python examples/mnist_pixelrnn.py --cell spatial_lstm --epochs 5

Needs the TFDS `mnist` data set (downloaded on first use).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import dataset_info, load  # noqa: E402
from pixeldist.plotting import save_image_grid  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cell",
        choices=("row_lstm", "diagonal_bilstm", "spatial_lstm"),
        default="diagonal_bilstm",
    )
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--num-layers", type=int, default=7)
    parser.add_argument("--num-filters", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument(
        "--binarize", action=argparse.BooleanOptionalAction, default=True
    )
    parser.add_argument("--resize", type=int, nargs=2, default=None)
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--samples-per-class", type=int, default=8)
    parser.add_argument("--out", default="mnist_pixelrnn_samples.png")
    args = parser.parse_args(argv)

    options = dict(binarize=args.binarize, resize=args.resize)
    info = dataset_info("mnist", **options)
    dist = pixeldist.PixelRNN(
        info.image_shape,
        cell=args.cell,
        num_classes=info.num_classes,
        high=info.high,
        num_layers=args.num_layers,
        num_filters=args.num_filters,
    )
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    train = load("mnist", "train", **options)
    test = load("mnist", "test", **options)
    if args.max_examples:
        train, test = train.take(args.max_examples), test.take(args.max_examples)
    train = train.shuffle(10_000, seed=0).batch(args.batch_size)
    model.fit(train.prefetch(tf.data.AUTOTUNE), epochs=args.epochs, verbose=2)
    bits = model.evaluate(test.batch(256), verbose=0, return_dict=True)["bits_per_dim"]
    print(f"held-out bits/dim: {bits:.4f}")

    labels = np.repeat(np.arange(info.num_classes), args.samples_per_class)
    samples = dist.sample(len(labels), conditional_input=labels, seed=0).numpy()
    grid = samples.reshape(info.num_classes, args.samples_per_class, *info.image_shape)
    save_image_grid(args.out, grid, high=info.high)
    print(f"wrote {args.out}")
    return bits


if __name__ == "__main__":
    main()
