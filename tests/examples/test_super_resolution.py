"""The super-resolution example, on the digits and on (mock) MNIST."""

import numpy as np
import tensorflow_datasets as tfds
from harness import load_example
from PIL import Image

TINY = ["--num-layers", "1", "--num-filters", "8", "--inputs", "3", "--samples", "2"]


def test_digits(tmp_path):
    out = tmp_path / "sr.png"
    bits = load_example("super_resolution").main(
        ["--seconds", "2", *TINY, "--out", str(out)]
    )
    assert all(np.isfinite(list(bits.values()))) and len(bits) == 2
    with Image.open(out) as picture:
        # original, input and 2 sample rows of 8x8 digits enlarged to 64 px.
        assert picture.size[1] == 4 * 66 + 2


def test_mnist_recipe(tmp_path):
    out = tmp_path / "sr.png"
    with tfds.testing.mock_data(num_examples=16):
        bits = load_example("super_resolution").main(
            ["--dataset", "mnist", "--seconds", "1", "--max-examples", "16"]
            + [*TINY, "--out", str(out)]
        )
    assert all(np.isfinite(list(bits.values())))
    with Image.open(out) as picture:
        assert picture.size[1] == 4 * (84 + 2) + 2  # 28x28 enlarged 3x
