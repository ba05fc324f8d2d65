"""The README's main job, with small settings."""

from harness import load_example
from PIL import Image


def test_train_digits_writes_a_grid(tmp_path):
    module = load_example("train_digits")
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
