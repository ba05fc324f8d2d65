"""The TFDS examples run end to end on mock data (no download) with small settings."""

import importlib.util
import pathlib

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _example(name):
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "examples" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("cell", ["row_lstm", "diagonal_bilstm"])
def test_mnist_pixelrnn(cell, tmp_path):
    out = tmp_path / "grid.png"
    with tfds.testing.mock_data(num_examples=64):
        bits = _example("mnist_pixelrnn").main(
            [
                "--cell",
                cell,
                "--epochs",
                "1",
                "--num-layers",
                "1",
                "--num-filters",
                "4",
                "--resize",
                "6",
                "6",
                "--max-examples",
                "64",
                "--samples-per-class",
                "1",
                "--out",
                str(out),
            ]
        )
    assert np.isfinite(bits)
    with Image.open(out) as picture:
        assert picture.size == ((1 * 7 + 1) * 4, (10 * 7 + 1) * 4)
