"""Compare the architectures on the bundled digits after equal training time.

For each model (laptop-sized, class-conditional, categorical likelihood unless
the model's default is the logistic mixture) this trains on the digits'
training split for the same wall-clock budget and prints: parameters,
training images per second, held-out bits/dim, and seconds to sample 10
images (one per class) with the default sampler.

    python benchmarks/model_comparison.py --seconds 30
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from pixeldist.cli.model_registry import MODEL_NAMES, build_distribution  # noqa: E402
from pixeldist.data import (  # noqa: E402
    DIGITS_HIGH,
    DIGITS_IMAGE_SHAPE,
    DIGITS_NUM_CLASSES,
    load,
)
from pixeldist.keras_integration.density_model import DensityModel  # noqa: E402


class _TimeBudget(keras.callbacks.Callback):
    """Stops training once `seconds` of training time have passed."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds
        self.images = 0
        self.elapsed = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.images += 64
        self.elapsed = time.perf_counter() - self._start
        if self.elapsed > self.seconds:
            self.model.stop_training = True


def compare(model_name, seconds, batch_size=64, seed=0):
    keras.utils.set_random_seed(seed)
    dist = build_distribution(
        model_name, DIGITS_IMAGE_SHAPE, DIGITS_HIGH, DIGITS_NUM_CLASSES
    )
    model = DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    train = load("digits", "train").shuffle(2000, seed=seed).repeat().batch(batch_size)
    test = load("digits", "test").batch(512)
    # One untimed step compiles the training function.
    model.fit(train.take(1), epochs=1, verbose=0)
    budget = _TimeBudget(seconds)
    model.fit(train, epochs=10_000, steps_per_epoch=20, callbacks=[budget], verbose=0)
    bits = model.evaluate(test, verbose=0, return_dict=True)["bits_per_dim"]
    labels = np.arange(DIGITS_NUM_CLASSES)
    dist.sample(10, conditional_input=labels, seed=1)  # compile
    start = time.perf_counter()
    dist.sample(10, conditional_input=labels, seed=2)
    sample_seconds = time.perf_counter() - start
    return {
        "parameters": int(sum(np.prod(w.shape) for w in dist.trainable_weights)),
        "images_per_second": budget.images / max(budget.elapsed, 1e-9),
        "bits_per_dim": float(bits),
        "sample_seconds": sample_seconds,
        "likelihood": dist.likelihood,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES))
    args = parser.parse_args(argv)
    print(
        f"bundled digits (8×8, 17 levels), {args.seconds:.0f} s of training each, "
        f"batch 64, {tf.config.threading.get_inter_op_parallelism_threads() or 'all'}"
        " inter-op threads"
    )
    header = (
        f"| {'model':20s} | {'likelihood':16s} | {'parameters':>10s} | "
        f"{'train images/s':>14s} | {'held-out bits/dim':>17s} | "
        f"{'sample 10 (s)':>13s} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name in args.models:
        r = compare(name, args.seconds)
        print(
            f"| {name:20s} | {r['likelihood']:16s} | {r['parameters']:10,d} | "
            f"{r['images_per_second']:14.0f} | {r['bits_per_dim']:17.3f} | "
            f"{r['sample_seconds']:13.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
