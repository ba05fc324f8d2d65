"""pixeldist's PixelCNN++ against TFP's `tfd.PixelCNN`, side by side in one process.

Same architecture on both sides (`num_resnet=1, num_hierarchies=2,
num_filters=32, num_logistic_mix=5, dropout_p=0`), measured on this machine:

1. sampling time: 8 images at 16×16 and 16 images at 28×28, each side in
   fresh processes of its own. `tfd.PixelCNN` at its best — its `sample`
   inside `tf.function` (its sampler needs a Python int seed; the second call
   with the same seed reuses the graph): its first call (cold) and its
   second (warm). pixeldist's default (fast) sampler: the first call of a
   fresh process with an empty compilation cache (cold), the first call of a
   second process that finds the first one's compiled sampler in the
   persistent cache (next process), and the first process's second call
   (warm), once the XLA program that a background thread compiles after the
   first call (which ran the same graph without XLA) is ready; the median
   of `--repeats` processes of each kind (3), with their range, since a
   first call on a shared machine varies by a second.
2. training images per second at batch 32: a compiled Adam step on each
   side, plus pixeldist's `DensityModel.fit` (Keras's default
   `jit_compile="auto"`, which is off on a CPU-only machine, and with XLA);
   the median of 5 interleaved runs of 10 steps.
3. held-out bits/dim on the bundled digits after equal wall-clock training.

    python benchmarks/versus_tfp_pixelcnn.py            # everything
    python benchmarks/versus_tfp_pixelcnn.py --skip-28  # without the slow 28×28 TFP run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_probability as tfp  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import DIGITS_HIGH, load  # noqa: E402
from pixeldist.sampling import wait_for_compilations  # noqa: E402

ARCHITECTURE = dict(
    num_resnet=1, num_hierarchies=2, num_filters=32, num_logistic_mix=5, dropout_p=0.0
)


def tfp_pixelcnn(image_shape, high=255):
    return tfp.distributions.PixelCNN(
        image_shape=image_shape, high=high, **ARCHITECTURE
    )


def ours(image_shape, high=255):
    return pixeldist.PixelCNNPlusPlus(
        image_shape=image_shape, high=high, **ARCHITECTURE
    )


def parameter_count(variables):
    return int(sum(np.prod(v.shape) for v in variables))


def first_and_second_call(side: str, image_size: int, num_images: int) -> dict:
    """In this process: seconds of the first and second sampling call."""
    shape = (image_size, image_size, 1)
    if side == "tfp":
        theirs = tfp_pixelcnn(shape)
        # tfd.PixelCNN samples with stateful ops that need a Python int seed;
        # the second call with the same seed reuses the traced graph.
        function = tf.function(lambda: theirs.sample(num_images, seed=1))
        calls = [function, function]
    else:
        mine = ours(shape)
        calls = [
            lambda seed=seed: mine.sample(num_images, seed=seed) for seed in (1, 2)
        ]
    seconds = []
    for call in calls:
        start = time.perf_counter()
        np.asarray(call())  # wait for the result
        seconds.append(time.perf_counter() - start)
        if side != "tfp" and len(seconds) == 1:
            start = time.perf_counter()
            wait_for_compilations()  # warm: the compiled program
            ready = time.perf_counter() - start
    result = {"first": seconds[0], "second": seconds[1]}
    if side != "tfp":
        result["ready"] = ready
    return result


def in_fresh_process(side: str, image_size: int, num_images: int, cache: str):
    """`first_and_second_call` in a new Python process with the compilation
    cache `cache`."""
    env = dict(os.environ, PIXELDIST_COMPILATION_CACHE=cache)
    command = [sys.executable, __file__, "--child", side]
    command += [str(image_size), str(num_images)]
    output = subprocess.run(
        command, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def sampling_row(image_size, num_images, skip_tfp=False, repeats=3):
    """tfd.PixelCNN's first and second call (one process: its first call
    takes a minute at 28×28), and pixeldist's `repeats` pairs of a cold
    process and a next one, each pair with an empty cache of its own:
    lists of `first_and_second_call` results."""
    row = {"size": f"{image_size}×{image_size}", "images": num_images}
    if not skip_tfp:
        with tempfile.TemporaryDirectory() as cache:
            row["tfp"] = [in_fresh_process("tfp", image_size, num_images, cache)]
    row["cold"], row["next"] = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            for kind in ("cold", "next"):
                row[kind].append(
                    in_fresh_process("ours", image_size, num_images, cache)
                )
    return row


def _median(calls, call):
    return float(np.median([c[call] for c in calls]))


def _spread(calls, call):
    """`median (min–max)` of one call's seconds over processes."""
    values = [c[call] for c in calls]
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{np.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def training_rows(steps=10, rounds=5, batch_size=32, image_size=16):
    """Images per second of each trainer: the median over `rounds` timed runs
    of `steps` steps, the trainers taking turns (so that a slow spell of a
    shared machine hits all of them), after two warm-up steps each."""
    shape = (image_size, image_size, 1)
    rng = np.random.default_rng(0)
    images = tf.constant(rng.integers(0, 256, (batch_size, *shape)), tf.float32)

    theirs = tfp_pixelcnn(shape)
    theirs.log_prob(images)  # build
    import tf_keras

    tfp_step = _training_step(theirs, tf_keras.optimizers.Adam(1e-3), keras3=False)
    mine = ours(shape)
    my_step = _training_step(mine, keras.optimizers.Adam(1e-3), keras3=True)

    def run_steps(step):
        def run():
            for _ in range(steps):
                loss = step(images)
            float(loss)

        return run

    def run_fit(jit_compile):
        model = pixeldist.DensityModel(ours(shape))
        model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile)
        data = tf.data.Dataset.from_tensors(images).repeat(steps)
        return lambda: model.fit(data, verbose=0)

    trainers = {
        "tfd.PixelCNN (compiled Adam step)": run_steps(tfp_step),
        "pixeldist (compiled Adam step)": run_steps(my_step),
        "pixeldist DensityModel.fit": run_fit("auto"),
        "pixeldist DensityModel.fit (XLA)": run_fit(True),
    }
    seconds = {name: [] for name in trainers}
    for run in trainers.values():
        run()  # trace, compile, data-dependent initialization
    for _ in range(rounds):
        for name, run in trainers.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    rows = {
        name: steps * batch_size / float(np.median(times))
        for name, times in seconds.items()
    }
    return (
        rows,
        parameter_count(theirs.trainable_variables),
        parameter_count(mine.trainable_variables),
    )


def _training_step(dist, optimizer, keras3):
    """A compiled Adam step on `-mean(log_prob)` (Keras 3 or tf_keras optimizer)."""
    variables = dist.trainable_variables
    if keras3:
        optimizer.build(variables)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(dist.log_prob(x, training=True))
        gradients = tape.gradient(loss, variables)
        if keras3:
            optimizer.apply(gradients, variables)
        else:
            optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return loss

    return step


def equal_time_bits(seconds, batch_size=32):
    """Held-out bits/dim on the digits after `seconds` of training each."""
    shape = (8, 8, 1)
    train = load("digits", "train").map(lambda x, y: tf.cast(x, tf.float32))
    train = train.shuffle(2000, seed=0).repeat().batch(batch_size)
    test = np.stack([x for x, _ in load("digits", "test").as_numpy_iterator()])
    test = tf.constant(test, tf.float32)
    results = {}
    import tf_keras

    for name in ("tfd.PixelCNN", "pixeldist"):
        keras.utils.set_random_seed(0)
        if name == "tfd.PixelCNN":
            dist = tfp_pixelcnn(shape, high=DIGITS_HIGH)
            dist.log_prob(test[:1])
            step = _training_step(dist, tf_keras.optimizers.Adam(1e-3), keras3=False)
        else:
            dist = ours(shape, high=DIGITS_HIGH)
            step = _training_step(dist, keras.optimizers.Adam(1e-3), keras3=True)
        iterator = iter(train)
        step(next(iterator))  # compile outside the budget
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            step(next(iterator))
        log_prob = dist.log_prob(test)
        results[name] = float(pixeldist.bits_per_dim(tf.reduce_mean(log_prob), shape))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-28", action="store_true")
    parser.add_argument("--train-seconds", type=float, default=60.0)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="pixeldist's cold and next processes per size (the median is shown)",
    )
    parser.add_argument("--child", nargs=3, metavar=("SIDE", "SIZE", "IMAGES"))
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["sampling", "training", "bits"],
        choices=["sampling", "training", "bits"],
    )
    args = parser.parse_args(argv)
    if args.child:
        side, size, images = args.child
        print(json.dumps(first_and_second_call(side, int(size), int(images))))
        return

    if "sampling" in args.parts:
        print_sampling(args)
    if "training" in args.parts:
        print_training()
    if "bits" in args.parts:
        print_bits(args)


def print_sampling(args):
    print(
        "## Sampling (seconds; each side in fresh processes; pixeldist: median "
        f"(range) of {args.repeats} processes of each kind)"
    )
    print(
        "| image | images | tfd.PixelCNN cold | tfd.PixelCNN warm | "
        "pixeldist cold | pixeldist next process | pixeldist XLA ready after | "
        "pixeldist warm | cold vs tfd cold | next vs tfd cold | warm vs tfd warm |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    nan = [{"first": float("nan"), "second": float("nan")}]
    for size, count in ((16, 8), (28, 16)):
        row = sampling_row(
            size, count, skip_tfp=(size == 28 and args.skip_28), repeats=args.repeats
        )
        tfp, cold, later = row.get("tfp", nan), row["cold"], row["next"]
        tfp_first, tfp_second = _median(tfp, "first"), _median(tfp, "second")
        print(
            f"| {row['size']} | {count} | {tfp_first:.2f} | {tfp_second:.2f} | "
            f"{_spread(cold, 'first')} | {_spread(later, 'first')} | "
            f"{_spread(cold, 'ready')} | {_median(cold, 'second'):.3f} | "
            f"{tfp_first / _median(cold, 'first'):.1f}× | "
            f"{tfp_first / _median(later, 'first'):.1f}× | "
            f"{tfp_second / _median(cold, 'second'):.0f}× |",
            flush=True,
        )


def print_training():
    rows, tfp_params, my_params = training_rows()
    print("\n## Training (16×16, batch 32, images per second)")
    print(f"parameters: tfd.PixelCNN {tfp_params:,}, pixeldist {my_params:,}")
    print("| trainer | images/s | vs tfd.PixelCNN |")
    print("|---|---|---|")
    for name, value in rows.items():
        reference = rows["tfd.PixelCNN (compiled Adam step)"]
        print(f"| {name} | {value:.0f} | {value / reference:.2f}× |")


def print_bits(args):
    bits = equal_time_bits(args.train_seconds)
    print(
        f"\n## Held-out bits/dim on the digits after {args.train_seconds:.0f} s "
        "of training"
    )
    print("| model | bits/dim |")
    print("|---|---|")
    for name, value in bits.items():
        print(f"| {name} | {value:.3f} |")


if __name__ == "__main__":
    main()
