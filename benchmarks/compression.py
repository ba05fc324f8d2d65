"""Lossless compression: pixeldist's stream against PNG and WebP, and its speed.

Trains an unconditional model briefly, then compresses the held-out images
in one stream (`pixeldist.compression.compress`) and prints, in bits per
sub-pixel (bits/dim):

- the stream (its 102-byte header included) and the model's `-log2 p(x)`
  from `log_prob`, which the stream must match within 1%;
- PNG (Pillow, `optimize=True, compress_level=9`) and WebP lossless
  (Pillow, `lossless=True, quality=100, method=6`), each image in its own
  file, and all images in one mosaic (a grid padded with black images, which
  spares them the per-file headers);
- the encode and decode speed in images/s (one batch of all the images;
  the first call, which traces the loop, is timed apart).

The pixel values are stored as they are (digits: 0..16 in 8-bit pictures).
On the bundled digits (offline, about two minutes on 2 CPU cores):

    python benchmarks/compression.py

MNIST or CIFAR-10 on a machine with the TFDS data (`tfds.load` downloads
and prepares it into `--data-dir` on first use); a few epochs of a larger
model are needed for a competitive likelihood:

    python benchmarks/compression.py --dataset mnist --epochs 10 \\
        --likelihood logistic_mixture --num-test 500 --data-dir ~/tensorflow_datasets
    python benchmarks/compression.py --dataset cifar10 --epochs 30 \\
        --likelihood logistic_mixture --num-layers 8 --num-filters 128 --num-test 200
"""

from __future__ import annotations

import argparse
import io
import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.compression import compress, decompress  # noqa: E402
from pixeldist.compression.stream_header import HEADER_SIZE  # noqa: E402
from pixeldist.data import dataset_info, load  # noqa: E402

PNG_OPTIONS = {"format": "PNG", "optimize": True, "compress_level": 9}
WEBP_OPTIONS = {"format": "WEBP", "lossless": True, "quality": 100, "method": 6}


def _arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="digits", help="digits, mnist, cifar10")
    parser.add_argument("--data-dir", default=None, help="TFDS data directory")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument(
        "--likelihood",
        default="categorical",
        choices=["categorical", "logistic_mixture"],
    )
    parser.add_argument("--num-layers", type=int, default=4)
    parser.add_argument("--num-filters", type=int, default=64)
    parser.add_argument("--num-test", type=int, default=None, help="all by default")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def _images(dataset, split, data_dir, limit=None) -> np.ndarray:
    """`[N, H, W, C]` uint8 images of a split, labels dropped."""
    data = load(dataset, split, data_dir=data_dir)
    if dataset_info(dataset).has_labels:
        data = data.map(lambda image, label: image)
    if limit is not None:
        data = data.take(limit)
    return np.stack(list(data.as_numpy_iterator())).astype(np.uint8)


def _trained_model(args, info):
    keras.utils.set_random_seed(args.seed)
    dist = pixeldist.PixelCNN(
        info.image_shape,
        likelihood=args.likelihood,
        high=info.high,
        num_layers=args.num_layers,
        num_filters=args.num_filters,
    )
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    train = (
        load(args.dataset, "train", data_dir=args.data_dir)
        .map(lambda image, *_: image)
        .shuffle(4096, seed=args.seed)
        .batch(args.batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    start = time.perf_counter()
    model.fit(train, epochs=args.epochs, verbose=0)
    print(f"trained {args.epochs} epochs in {time.perf_counter() - start:.0f} s")
    return dist


def _picture_bytes(image: np.ndarray, options: dict) -> int:
    """Bytes of one picture `[H, W, C]` (grey or RGB) in a format."""
    values = image[..., 0] if image.shape[-1] == 1 else image
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, **options)
    return buffer.tell()


def _mosaic(images: np.ndarray) -> np.ndarray:
    """The images tiled in a near-square grid, padded with black images."""
    n, height, width, channels = images.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    padded = np.zeros((rows * cols, height, width, channels), images.dtype)
    padded[:n] = images
    grid = padded.reshape(rows, cols, height, width, channels)
    return grid.transpose(0, 2, 1, 3, 4).reshape(rows * height, cols * width, channels)


def _timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main(argv=None):
    args = _arguments(argv)
    info = dataset_info(args.dataset)
    images = _images(args.dataset, "test", args.data_dir, args.num_test)
    dist = _trained_model(args, info)
    dims = images.size

    _, first = _timed(compress, dist, images)  # traces the coding loop
    data, encode = _timed(compress, dist, images)
    decoded, decode = _timed(decompress, dist, data)
    assert np.array_equal(decoded, images), "the round trip must be exact"
    log_prob = dist.log_prob(images.astype(np.float32))
    model_bits = -float(np.sum(log_prob)) / math.log(2.0)

    rows = [
        ("pixeldist stream (one stream, header included)", 8 * len(data)),
        ("pixeldist payload (header excluded)", 8 * (len(data) - HEADER_SIZE)),
        ("model -log2 p(x) (log_prob)", model_bits),
    ]
    for name, options in (("PNG", PNG_OPTIONS), ("WebP lossless", WEBP_OPTIONS)):
        per_image = sum(_picture_bytes(image, options) for image in images)
        rows.append((f"{name}, one file per image", 8 * per_image))
        rows.append(
            (f"{name}, one mosaic", 8 * _picture_bytes(_mosaic(images), options))
        )
    rows.append(
        (f"raw, log2({info.high + 1}) per value", dims * math.log2(info.high + 1))
    )

    height, width, channels = info.image_shape
    print(
        f"\n{len(images)} held-out {args.dataset} images {height}x{width}x{channels}, "
        f"values 0..{info.high}; PixelCNN {args.likelihood}, "
        f"{args.num_layers} layers x {args.num_filters} filters\n"
    )
    print("| codec | bits/dim | bytes |")
    print("|---|---:|---:|")
    for name, bits in rows:
        print(f"| {name} | {bits / dims:.3f} | {bits / 8:,.0f} |")
    print(
        f"\nencode {len(images) / encode:,.0f} images/s, decode "
        f"{len(images) / decode:,.0f} images/s (batch of {len(images)}; "
        f"first encode, tracing included: {first:.1f} s)"
    )


if __name__ == "__main__":
    main()
