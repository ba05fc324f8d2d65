"""`dist.log_prob` inside your own Keras 3 model.

A pixeldist distribution is a Keras layer, so it can be an attribute of any
`keras.Model`: its weights are tracked and trained by `fit`. Here a model of
our own returns the log-likelihoods of a class-conditional PixelCNN of the
bundled digits, and `pixeldist.NegativeLogLikelihood` turns them into the
loss.

    python examples/custom_keras_model.py --epochs 5
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import DIGITS_HIGH, DIGITS_IMAGE_SHAPE, load  # noqa: E402


class DigitsDensity(keras.Model):
    """Returns per-image log-likelihoods; the loss is their negative mean."""

    def __init__(self, num_layers=2, num_filters=32, **kwargs):
        super().__init__(**kwargs)
        self.dist = pixeldist.PixelCNN(
            DIGITS_IMAGE_SHAPE,
            num_classes=10,
            high=DIGITS_HIGH,
            num_layers=num_layers,
            num_filters=num_filters,
        )

    def call(self, inputs, training=False):
        images, labels = inputs
        return self.dist.log_prob(images, conditional_input=labels, training=training)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--num-layers", type=int, default=2)
    parser.add_argument("--num-filters", type=int, default=32)
    args = parser.parse_args(argv)

    model = DigitsDensity(args.num_layers, args.num_filters)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3), loss=pixeldist.NegativeLogLikelihood()
    )
    # Keras 3's fit needs a target when a loss is compiled; this loss ignores it.
    train = load("digits", "train").shuffle(2000, seed=0).batch(64)
    train = train.map(lambda image, label: ((image, label), label))
    test = load("digits", "test").batch(512)
    history = model.fit(train, epochs=args.epochs, verbose=2)

    images, labels = next(iter(test))
    log_prob = model((images, labels))
    bits = float(tf.reduce_mean(pixeldist.bits_per_dim(log_prob, DIGITS_IMAGE_SHAPE)))
    print(f"held-out bits/dim: {bits:.3f}")
    samples = model.dist.sample(4, conditional_input=[7], seed=0)
    print("four sevens:", samples.shape)
    return history, bits


if __name__ == "__main__":
    main()
