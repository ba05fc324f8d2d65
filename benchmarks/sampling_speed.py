"""Sampling speed: the reference loop (`method="naive"`) against the cached one.

Prints one row per model and image size, each figure from fresh processes
with an empty compilation cache of their own:

- cold: the first `dist.sample(batch, seed=...)` of a fresh process (traces
  and compiles the cached sampler);
- next process: the first call of a second fresh process that finds the
  first one's compiled sampler in the persistent compilation cache;
- ready: seconds from the end of the first call until the XLA program
  that a background thread compiles meanwhile is ready (`pixeldist.sampling.
  wait_for_compilations`; the first call ran the same graph without XLA);
- warm: the second call of the first process, once its program is ready
  (seconds of `method="fast"`);
- naive: the second call of the reference loop, in that first process, the
  speed-up of warm over it, and the images on which the two methods differ
  (0 expected; a rare one can differ when a uniform falls within float
  rounding of a bin edge of the inverse CDF, after which that image's later
  pixels follow another path).

Laptop-sized models with fixed initial weights; run on an idle machine:

    python benchmarks/sampling_speed.py            # all, with the naive loop
    python benchmarks/sampling_speed.py --no-naive # cold, next process, warm
    python benchmarks/sampling_speed.py --models "$NAME" ...  # keys of MODELS
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.distributions.gated_pixelcnn import GatedPixelCNN  # noqa: E402
from pixeldist.sampling import wait_for_compilations  # noqa: E402


def _own_architecture():
    """`examples/own_architecture.py`'s `ResidualPixelCNN`: a user's network
    of pixeldist layers, sampled by the generic cached steps."""
    path = pathlib.Path(__file__).resolve().parents[1] / "examples"
    spec = importlib.util.spec_from_file_location(
        "own_architecture", path / "own_architecture.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ResidualPixelCNN


MODELS = {
    "PixelCNN(num_layers=4, num_filters=64)": lambda shape: pixeldist.PixelCNN(
        shape, num_layers=4, num_filters=64
    ),
    "GatedPixelCNN(num_layers=5, num_filters=32, kernel_size=3)": (
        lambda shape: GatedPixelCNN(shape, num_layers=5, num_filters=32, kernel_size=3)
    ),
    "PixelCNNPlusPlus(num_resnet=1, num_hierarchies=2, num_filters=32)": (
        lambda shape: pixeldist.PixelCNNPlusPlus(
            shape,
            num_resnet=1,
            num_hierarchies=2,
            num_filters=32,
            num_logistic_mix=5,
            dropout_p=0.0,
        )
    ),
    "PixelRNN(cell='row_lstm', num_layers=2, num_filters=16)": (
        lambda shape: pixeldist.PixelRNN(
            shape, cell="row_lstm", num_layers=2, num_filters=16
        )
    ),
    "PixelRNN(cell='diagonal_bilstm', num_layers=2, num_filters=16)": (
        lambda shape: pixeldist.PixelRNN(
            shape, cell="diagonal_bilstm", num_layers=2, num_filters=16
        )
    ),
    "PixelRNN(cell='spatial_lstm', num_layers=2, num_filters=16)": (
        lambda shape: pixeldist.PixelRNN(
            shape, cell="spatial_lstm", num_layers=2, num_filters=16
        )
    ),
    "PixelSNAIL(num_blocks=2, num_resnet=1, num_filters=32, value_channels=32)": (
        lambda shape: pixeldist.PixelSNAIL(
            shape,
            num_blocks=2,
            num_resnet=1,
            num_filters=32,
            key_channels=16,
            value_channels=32,
            num_logistic_mix=5,
        )
    ),
    "ResidualPixelCNN (examples/own_architecture.py)": (
        lambda shape: _own_architecture()(shape)
    ),
}
SIZES = (((16, 16, 1), 8), ((28, 28, 1), 16))


def measure(name: str, size: int, naive: bool) -> dict:
    """In this process: the fast sampler's first and second call, and with
    `naive` the reference loop's second call and the differing images."""
    shape, batch = next((s, b) for s, b in SIZES if s[0] == size)
    keras.utils.set_random_seed(0)
    dist = MODELS[name](shape)
    start = time.perf_counter()
    dist.sample(batch, seed=0).numpy()
    result = {"first": time.perf_counter() - start}
    start = time.perf_counter()
    wait_for_compilations()
    result["ready"] = time.perf_counter() - start
    start = time.perf_counter()
    fast_images = dist.sample(batch, seed=1).numpy()
    result["second"] = time.perf_counter() - start
    if naive:
        dist.sample(batch, seed=0, method="naive").numpy()
        start = time.perf_counter()
        naive_images = dist.sample(batch, seed=1, method="naive").numpy()
        result["naive"] = time.perf_counter() - start
        result["differ"] = int(
            np.any(naive_images != fast_images, axis=(1, 2, 3)).sum()
        )
    return result


def in_fresh_process(name: str, size: int, naive: bool, cache: str) -> dict:
    """`measure` in a new Python process with the compilation cache `cache`."""
    env = dict(os.environ, PIXELDIST_COMPILATION_CACHE=cache)
    command = [sys.executable, __file__, "--child", name, str(size)]
    output = subprocess.run(
        command + (["--naive"] if naive else []),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("MODEL", "SIZE"))
    parser.add_argument("--naive", action="store_true")
    parser.add_argument(
        "--models", nargs="+", choices=list(MODELS), default=list(MODELS)
    )
    args = parser.parse_args(argv)
    if args.child:
        name, size = args.child
        print(json.dumps(measure(name, int(size), args.naive)))
        return
    header = (
        f"{'model':<60} {'image':>8} {'batch':>5} {'cold s':>7} {'next s':>7} "
        f"{'ready s':>7} {'warm s':>7} {'naive s':>8} {'speed-up':>9} {'differ':>7}"
    )
    print(header)
    print("-" * len(header))
    for name in args.models:
        for shape, batch in SIZES:
            with tempfile.TemporaryDirectory() as cache:
                cold = in_fresh_process(name, shape[0], not args.no_naive, cache)
                later = in_fresh_process(name, shape[0], False, cache)
            size = "×".join(str(d) for d in shape)
            naive = cold.get("naive", float("nan"))
            print(
                f"{name:<60} {size:>8} {batch:>5} {cold['first']:>7.2f} "
                f"{later['first']:>7.2f} {cold['ready']:>7.2f} "
                f"{cold['second']:>7.3f} {naive:>8.2f} "
                f"{naive / cold['second']:>8.0f}× "
                f"{str(cold.get('differ', '-')) + '/' + str(batch):>7}",
                flush=True,
            )


if __name__ == "__main__":
    main()
