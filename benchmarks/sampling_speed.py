"""Sampling speed: the reference loop (`method="naive"`) against the cached one.

Prints one row per model and image size: seconds of the second call of
`dist.sample(batch, seed=..., method=...)` (the first call traces and compiles,
its time is shown in parentheses) and the speed-up, and counts the images on
which the two methods differ (0 expected; a rare one can differ when a uniform
falls within float rounding of a bin edge of the inverse CDF, after which that
image's later pixels follow another path). Laptop-sized models with fixed
initial weights; run on an idle machine:

    python benchmarks/sampling_speed.py
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.distributions.gated_pixelcnn import GatedPixelCNN  # noqa: E402


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
    "ResidualPixelCNN (examples/own_architecture.py)": (
        lambda shape: _own_architecture()(shape)
    ),
}
SIZES = (((16, 16, 1), 8), ((28, 28, 1), 16))


def _timed(dist, batch: int, method: str) -> tuple[float, float, np.ndarray]:
    """(first-call seconds, second-call seconds, images of the second call)."""
    start = time.perf_counter()
    dist.sample(batch, seed=0, method=method).numpy()
    first = time.perf_counter() - start
    start = time.perf_counter()
    images = dist.sample(batch, seed=1, method=method).numpy()
    return first, time.perf_counter() - start, images


def main() -> None:
    header = (
        f"{'model':<60} {'image':>8} {'batch':>5} {'naive s (1st)':>16} "
        f"{'fast s (1st)':>14} {'speed-up':>9} {'differ':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, factory in MODELS.items():
        for shape, batch in SIZES:
            keras.utils.set_random_seed(0)
            dist = factory(shape)
            naive_first, naive, naive_images = _timed(dist, batch, "naive")
            fast_first, fast, fast_images = _timed(dist, batch, "fast")
            differ = np.any(naive_images != fast_images, axis=(1, 2, 3)).sum()
            size = "×".join(str(d) for d in shape)
            print(
                f"{name:<60} {size:>8} {batch:>5} "
                f"{naive:>7.2f} ({naive_first:>6.2f}) "
                f"{fast:>5.2f} ({fast_first:>5.2f}) "
                f"{naive / fast:>8.0f}× {f'{differ}/{batch}':>7}",
                flush=True,
            )


if __name__ == "__main__":
    main()
