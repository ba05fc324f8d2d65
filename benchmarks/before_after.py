"""Sampling speed of this checkout against an earlier commit, in one process.

The earlier commit's `pixeldist/` is exported with `git archive` into a
temporary folder as the package `pixeldist_before` (imports and Keras
registrations renamed), so both versions run side by side on the same
machine, interleaved: the machine's noise hits both alike. Each model is
built by the current code, its weights copied into the earlier version's
model, and both sample from the same noise, so the times compare the
samplers alone. `differ` counts the images that are not the same: a
uniform within float rounding of a bin edge of the inverse CDF can flip a
draw when two versions compute the network in different orders.

Prints, per model and size, the median of `--repeats` second calls of
`sample(batch, method="fast")` for both versions and their ratio; with
`--training`, also training images per second of a compiled Adam step on
batches of 32 images at 16×16 (the median of `--repeats` interleaved runs of
10 steps):

    python benchmarks/before_after.py --before e0261a7 --training
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from sampling_speed import MODELS, SIZES  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


def import_before(revision: str):
    """The package `pixeldist` of `revision`, imported as `pixeldist_before`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "pixeldist"],
        check=True,
        capture_output=True,
    ).stdout
    folder = pathlib.Path(tempfile.mkdtemp(prefix="pixeldist-before-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (folder / "pixeldist").rename(folder / "pixeldist_before")
    for path in (folder / "pixeldist_before").rglob("*.py"):
        text = path.read_text()
        text = re.sub(r"\bpixeldist\.", "pixeldist_before.", text)
        text = re.sub(r"\bimport pixeldist\b", "import pixeldist_before", text)
        text = text.replace('package="pixeldist"', 'package="pixeldist_before"')
        path.write_text(text)
    sys.path.insert(0, str(folder))
    return importlib.import_module("pixeldist_before")


def as_before(before, dist):
    """The earlier version's model of `dist`'s class and arguments, same weights."""
    cls = getattr(before, type(dist).__name__)
    config = dist.get_config()
    config.pop("zero_border", None)
    other = cls.from_config(config)
    other.network.set_weights(dist.network.get_weights())
    return other


def _wait_for_compilations() -> None:
    """Waits for the XLA compilations that this checkout runs in the
    background after a first call (none before tiered first calls)."""
    try:
        from pixeldist.sampling import wait_for_compilations
    except ImportError:
        return
    wait_for_compilations()


def second_call_seconds(dist, batch: int, seed: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    images = dist.sample(batch, seed=seed).numpy()
    return time.perf_counter() - start, images


def training_step(dist):
    optimizer = keras.optimizers.Adam(1e-3)

    @tf.function(jit_compile=False)
    def step(images):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(dist.log_prob(images, training=True))
        variables = dist.trainable_variables
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return loss

    return step


def training_rows(before, repeats: int, steps: int = 10) -> None:
    images = tf.constant(
        np.random.default_rng(0).integers(0, 256, (32, 16, 16, 1)), tf.float32
    )
    print(f"\n{'training images/s, 16×16×1, batch 32':<64} {'before':>9} {'after':>8}")
    for name, factory in MODELS.items():
        keras.utils.set_random_seed(0)
        after_dist = factory((16, 16, 1))
        if not hasattr(before, type(after_dist).__name__):
            continue
        dists = {"before": as_before(before, after_dist), "after": after_dist}
        steps_by_version = {v: training_step(d) for v, d in dists.items()}
        for step in steps_by_version.values():
            float(step(images))  # trace, data-dependent initialization
        seconds = {version: [] for version in dists}
        for _ in range(repeats):
            for version, step in steps_by_version.items():
                start = time.perf_counter()
                for _ in range(steps):
                    loss = step(images)
                float(loss)
                seconds[version].append(time.perf_counter() - start)
        rate = {v: steps * 32 / statistics.median(t) for v, t in seconds.items()}
        print(f"{name:<64} {rate['before']:>9.0f} {rate['after']:>8.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision to compare")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--training", action="store_true")
    args = parser.parse_args()
    before = import_before(args.before)
    header = (
        f"{'model':<64} {'image':>8} {'batch':>5} {'before s':>9} "
        f"{'after s':>8} {'after/before':>13} {'differ':>8}"
    )
    print(f"before: {args.before}; after: this checkout; TF {tf.__version__}")
    print(header)
    print("-" * len(header))
    for name, factory in MODELS.items():
        for shape, batch in SIZES:
            keras.utils.set_random_seed(0)
            after_dist = factory(shape)
            if not hasattr(before, type(after_dist).__name__):
                continue  # a user's own class: nothing to compare
            before_dist = as_before(before, after_dist)
            times = {"before": [], "after": []}
            differ = 0
            for dist in (before_dist, after_dist):
                dist.sample(batch, seed=0).numpy()  # trace and compile
            _wait_for_compilations()  # the compiled programs, not plain tiers
            for repeat in range(args.repeats):
                images = {}
                for version, dist in (("before", before_dist), ("after", after_dist)):
                    seconds, images[version] = second_call_seconds(dist, batch, repeat)
                    times[version].append(seconds)
                differ += int(
                    np.any(images["before"] != images["after"], axis=(1, 2, 3)).sum()
                )
            old, new = (statistics.median(times[v]) for v in ("before", "after"))
            size = "×".join(str(d) for d in shape)
            print(
                f"{name:<64} {size:>8} {batch:>5} {old:>9.3f} {new:>8.3f} "
                f"{new / old:>13.2f} {f'{differ}/{batch * args.repeats}':>8}",
                flush=True,
            )
    if args.training:
        training_rows(before, args.repeats)


if __name__ == "__main__":
    main()
