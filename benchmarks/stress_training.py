"""Numerical stress test: long training runs must never produce NaN or inf.

For every architecture with the logistic mixture (10 components) and with the
categorical likelihood, and for PixelCNN++ with and without weight
normalization and data-dependent initialization, train on the bundled digits
at learning rate 1e-3 and count the steps whose loss, gradients or weights
contain a non-finite value. Prints one table row per configuration.

    python benchmarks/stress_training.py               # 2,000 steps each
    python benchmarks/stress_training.py --steps 50 --tiny

The test suite runs a short version (tests/reliability/test_stress_training.py).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from pixeldist.cli.model_registry import MODEL_NAMES, build_distribution  # noqa: E402
from pixeldist.data import (  # noqa: E402
    DIGITS_HIGH,
    DIGITS_IMAGE_SHAPE,
    DIGITS_NUM_CLASSES,
    load,
)


def configurations(models=MODEL_NAMES):
    """`(label, model, likelihood, extra constructor arguments)` to stress."""
    configs = []
    for model in models:
        configs.append((f"{model} mixture(10)", model, "logistic_mixture", {}))
        configs.append((f"{model} categorical", model, "categorical", {}))
        if model == "pixelcnn_plus_plus":
            configs.append(
                (
                    f"{model} mixture(10), no weight norm",
                    model,
                    "logistic_mixture",
                    {"use_weight_norm": False, "use_data_init": False},
                )
            )
            configs.append(
                (
                    f"{model} mixture(10), weight norm, no data init",
                    model,
                    "logistic_mixture",
                    {"use_weight_norm": True, "use_data_init": False},
                )
            )
    return configs


def stress(
    model,
    likelihood,
    extra,
    steps,
    batch_size=64,
    learning_rate=1e-3,
    tiny=False,
    seed=0,
):
    """Trains `steps` steps; returns counts of non-finite loss/gradient/weight steps."""
    keras.utils.set_random_seed(seed)
    sizes = {"num_layers": 1, "num_filters": 16} if tiny else {}
    dist = build_distribution(
        model,
        DIGITS_IMAGE_SHAPE,
        DIGITS_HIGH,
        DIGITS_NUM_CLASSES,
        likelihood=likelihood,
        num_logistic_mix=10,
        **sizes,
        **extra,
    )
    optimizer = keras.optimizers.Adam(learning_rate)
    variables = dist.trainable_variables

    @tf.function
    def train_step(images, labels):
        with tf.GradientTape() as tape:
            log_prob = dist.log_prob(images, conditional_input=labels, training=True)
            loss = -tf.reduce_mean(log_prob)
        gradients = tape.gradient(loss, variables)
        finite_gradients = tf.reduce_all(
            [tf.reduce_all(tf.math.is_finite(g)) for g in gradients if g is not None]
        )
        optimizer.apply(gradients, variables)
        finite_weights = tf.reduce_all(
            [
                tf.reduce_all(tf.math.is_finite(v))
                for v in dist.weights
                if tf.as_dtype(v.dtype).is_floating  # skip flags like "initialized"
            ]
        )
        return loss, finite_gradients, finite_weights

    data = load("digits", "train").shuffle(2000, seed=seed).repeat().batch(batch_size)
    bad_loss = bad_gradients = bad_weights = 0
    start = time.perf_counter()
    loss = float("nan")
    for images, labels in data.take(steps):
        loss, finite_gradients, finite_weights = train_step(images, labels)
        bad_loss += int(not bool(tf.math.is_finite(loss)))
        bad_gradients += int(not bool(finite_gradients))
        bad_weights += int(not bool(finite_weights))
    return {
        "steps": steps,
        "non_finite_loss": bad_loss,
        "non_finite_gradients": bad_gradients,
        "non_finite_weights": bad_weights,
        "final_loss": float(loss),
        "seconds": time.perf_counter() - start,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES))
    parser.add_argument("--tiny", action="store_true", help="smallest model sizes")
    args = parser.parse_args(argv)
    header = (
        f"{'configuration':52s} {'steps':>6s} {'NaN/inf loss':>12s} "
        f"{'grads':>6s} {'weights':>8s} {'final loss':>11s} {'s':>7s}"
    )
    print(header)
    print("-" * len(header))
    total = 0
    for label, model, likelihood, extra in configurations(args.models):
        r = stress(model, likelihood, extra, args.steps, tiny=args.tiny)
        bad = r["non_finite_loss"] + r["non_finite_gradients"] + r["non_finite_weights"]
        total += bad
        print(
            f"{label:52s} {r['steps']:6d} {r['non_finite_loss']:12d} "
            f"{r['non_finite_gradients']:6d} {r['non_finite_weights']:8d} "
            f"{r['final_loss']:11.3f} {r['seconds']:7.1f}",
            flush=True,
        )
    print(f"non-finite values in total: {total}")
    return total


if __name__ == "__main__":
    raise SystemExit(1 if main() else 0)
