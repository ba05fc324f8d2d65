"""PixelCNN++ on CIFAR-10 with the paper's configuration, on one or many devices.

The paper's model (Salimans et al. 2017, 2.92 bits/dim):

    PixelCNNPlusPlus(image_shape=(32, 32, 3), num_resnet=5, num_hierarchies=3,
                     num_filters=160, num_logistic_mix=10, dropout_p=0.5)

Several GPUs on one machine: `--distribute mirrored` builds and compiles the
model inside `tf.distribute.MirroredStrategy().scope()`; `fit` then splits
each batch over the local devices and all-reduces the gradients.

Several machines: Keras 3's `fit` does not run under
`MultiWorkerMirroredStrategy` (keras-team/keras issue 20585), so use the
command line's training loop over `strategy.run`, started on every machine
with that machine's `TF_CONFIG`:

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                "task": {"type": "worker", "index": 0}}' \\
      pixeldist train --model pixelcnn_plus_plus --dataset cifar10 \\
        --num-layers 5 --num-filters 160 --distribute multi_worker --out runs/cifar10

    python examples/cifar10_pixelcnn_plus_plus.py --distribute mirrored --epochs 100

Needs the TFDS `cifar10` data set (downloaded on first use).
"""

from __future__ import annotations

import argparse
import contextlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import dataset_info, load  # noqa: E402
from pixeldist.plotting import save_image_grid  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--num-resnet", type=int, default=5)
    parser.add_argument("--num-hierarchies", type=int, default=3)
    parser.add_argument("--num-filters", type=int, default=160)
    parser.add_argument("--num-logistic-mix", type=int, default=10)
    parser.add_argument("--dropout-p", type=float, default=0.5)
    parser.add_argument("--class-conditional", action="store_true")
    parser.add_argument("--distribute", choices=("none", "mirrored"), default="none")
    parser.add_argument("--resize", type=int, nargs=2, default=None)
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--num-samples", type=int, default=8)
    parser.add_argument("--checkpoint", default="cifar10_pixelcnn_plus_plus.keras")
    parser.add_argument("--out", default="cifar10_samples.png")
    args = parser.parse_args(argv)

    info = dataset_info("cifar10", resize=args.resize)
    strategy = (
        tf.distribute.MirroredStrategy() if args.distribute == "mirrored" else None
    )
    with strategy.scope() if strategy else contextlib.nullcontext():
        dist = pixeldist.PixelCNNPlusPlus(
            image_shape=info.image_shape,
            num_classes=info.num_classes if args.class_conditional else None,
            num_resnet=args.num_resnet,
            num_hierarchies=args.num_hierarchies,
            num_filters=args.num_filters,
            num_logistic_mix=args.num_logistic_mix,
            dropout_p=args.dropout_p,
        )
        model = pixeldist.DensityModel(dist)
        model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))

    train = load("cifar10", "train", resize=args.resize)
    test = load("cifar10", "test", resize=args.resize)
    if args.max_examples:
        train, test = train.take(args.max_examples), test.take(args.max_examples)
    model.fit(
        train.shuffle(10_000, seed=0).batch(args.batch_size).prefetch(tf.data.AUTOTUNE),
        validation_data=test.batch(256),
        epochs=args.epochs,
        callbacks=[keras.callbacks.ModelCheckpoint(args.checkpoint)],
        verbose=2,
    )
    bits = model.evaluate(test.batch(256), verbose=0, return_dict=True)["bits_per_dim"]
    print(f"held-out bits/dim: {bits:.4f}")

    condition = (
        tf.range(args.num_samples) % info.num_classes
        if args.class_conditional
        else None
    )
    samples = dist.sample(args.num_samples, conditional_input=condition, seed=0)
    save_image_grid(args.out, samples.numpy()[None], high=info.high)
    print(f"wrote {args.out}")
    return bits


if __name__ == "__main__":
    main()
