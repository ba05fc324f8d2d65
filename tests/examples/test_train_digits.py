"""The README's main job, with small settings."""

import importlib.util
import pathlib

from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_train_digits_writes_a_grid(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "train_digits", ROOT / "examples" / "train_digits.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "grid.png"
    bits = module.main(
        [
            "--epochs",
            "2",
            "--num-layers",
            "1",
            "--num-filters",
            "16",
            "--samples-per-class",
            "2",
            "--out",
            str(out),
        ]
    )
    assert bits < 3.5  # well below the untrained ~4.1 bits/dim
    with Image.open(out) as picture:
        # 10 rows (classes) of 2 real + 2 generated 8×8 digits, enlarged 4×.
        assert picture.size == ((4 * 9 + 1) * 4, (10 * 9 + 1) * 4)
