"""The TFDS examples run end to end on mock data (no download) with small settings."""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from harness import load_example
from PIL import Image


@pytest.mark.parametrize("cell", ["row_lstm", "diagonal_bilstm", "spatial_lstm"])
def test_mnist_pixelrnn(cell, tmp_path):
    out = tmp_path / "grid.png"
    with tfds.testing.mock_data(num_examples=64):
        bits = load_example("mnist_pixelrnn").main(
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


def test_quickdraw_conditional(tmp_path):
    out = tmp_path / "quickdraw.png"
    with tfds.testing.mock_data(num_examples=1500):
        bits = load_example("quickdraw_conditional").main(
            [
                "--epochs",
                "1",
                "--num-resnet",
                "0",
                "--num-hierarchies",
                "2",
                "--num-filters",
                "4",
                "--dropout-p",
                "0",
                "--resize",
                "4",
                "4",
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
        # 20 classes × (real row + generated row) of one 4×4 drawing, 4× enlarged.
        assert picture.size == ((1 * 5 + 1) * 4, (40 * 5 + 1) * 4)


@pytest.mark.parametrize("distribute", ["none", "mirrored"])
def test_cifar10_pixelcnn_plus_plus(distribute, tmp_path):
    out = tmp_path / "cifar.png"
    with tfds.testing.mock_data(num_examples=16):
        bits = load_example("cifar10_pixelcnn_plus_plus").main(
            [
                "--epochs",
                "1",
                "--num-resnet",
                "0",
                "--num-hierarchies",
                "2",
                "--num-filters",
                "4",
                "--dropout-p",
                "0",
                "--resize",
                "4",
                "4",
                "--max-examples",
                "16",
                "--num-samples",
                "2",
                "--class-conditional",
                "--distribute",
                distribute,
                "--checkpoint",
                str(tmp_path / "c.keras"),
                "--out",
                str(out),
            ]
        )
    assert np.isfinite(bits)
    assert (tmp_path / "c.keras").exists() and out.exists()


def test_gated_pixelcnn_fashion_mnist(tmp_path):
    out = tmp_path / "fashion.png"
    with tfds.testing.mock_data(num_examples=32):
        bits = load_example("gated_pixelcnn_fashion_mnist").main(
            [
                "--epochs",
                "1",
                "--num-layers",
                "2",
                "--num-filters",
                "6",
                "--kernel-size",
                "3",
                "--resize",
                "5",
                "5",
                "--max-examples",
                "32",
                "--samples-per-class",
                "1",
                "--out",
                str(out),
            ]
        )
    assert np.isfinite(bits)
    with Image.open(out) as picture:
        assert picture.size == ((1 * 6 + 1) * 4, (10 * 6 + 1) * 4)
