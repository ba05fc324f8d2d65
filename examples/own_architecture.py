"""Your own architecture samples fast for free: a class-conditional residual PixelCNN.

A subclass of `pixeldist.AutoregressiveImageDistribution` only builds its
network, from pixeldist's layers and Keras' position-wise layers. Training,
`log_prob`, saving, and both samplers come with the base class: the cached
sampler (`method="fast"`) drives every layer's own cached step, and returns
the images of the reference loop (`method="naive"`), which re-runs the whole
network at every pixel.

    python examples/own_architecture.py --epochs 10

It trains on the bundled digits, prints held-out bits/dim, saves and reloads
the model, and times both samplers on one image per class.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import DIGITS_HIGH, DIGITS_IMAGE_SHAPE, load  # noqa: E402
from pixeldist.layers import ConditionalBias, MaskedConv2D  # noqa: E402


@keras.saving.register_keras_serializable(package="examples")
class ResidualPixelCNN(pixeldist.AutoregressiveImageDistribution):
    """Masked convolutions in residual blocks, with a learned bias per class.

    The network maps the image scaled to [-1, 1] (and the label) to
    `head.num_outputs` values per pixel; its masks make channel group g of
    pixel p see the earlier pixels and p's groups < g only.
    """

    def _build_network(self):
        groups = self.head.num_channel_groups
        image = keras.Input(self.image_shape)
        inputs = [image]
        x = MaskedConv2D(64, 7, "A", groups)(image)  # [N, H, W, 64]
        if self.num_classes is not None:
            label = keras.Input((), dtype="int32")
            inputs.append(label)
            bias = ConditionalBias(64, self.num_classes)(label)  # [N, 1, 1, 64]
            x = keras.layers.Add()([x, bias])
        for _ in range(4):
            y = MaskedConv2D(64, 3, "B", groups)(keras.layers.ReLU()(x))
            x = keras.layers.Add()([x, y])
        x = keras.layers.ReLU()(x)
        outputs = MaskedConv2D(self.head.num_outputs, 1, "B", groups)(x)
        return keras.Model(inputs, outputs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    dist = ResidualPixelCNN(DIGITS_IMAGE_SHAPE, num_classes=10, high=DIGITS_HIGH)
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    train = load("digits", "train").shuffle(2000, seed=args.seed)
    train = train.batch(args.batch_size)
    test = load("digits", "test").batch(512)
    model.fit(train, epochs=args.epochs, verbose=0)
    bits = model.evaluate(test, return_dict=True, verbose=0)["bits_per_dim"]
    print(f"held-out bits/dim: {bits:.3f}")

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "residual_pixelcnn.keras"
        model.save(path)
        dist = keras.models.load_model(path).distribution

    labels = tf.range(10)
    seconds = {}
    for method in ("fast", "naive"):
        dist.sample(10, seed=1, conditional_input=labels, method=method)  # compile
        start = time.perf_counter()
        images = dist.sample(10, seed=2, conditional_input=labels, method=method)
        seconds[method] = time.perf_counter() - start
        print(f"sample 10, {method}: {seconds[method]:.3f} s")
    fast = dist.sample(10, seed=2, conditional_input=labels)
    same = bool(np.array_equal(fast, images))
    print(f"same images: {same}; fast is {seconds['naive'] / seconds['fast']:.0f}x")
    return bits, same


if __name__ == "__main__":
    main()
