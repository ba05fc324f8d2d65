"""The PixelSNAIL example, with small settings."""

import numpy as np
from harness import load_example
from PIL import Image


def test_pixelsnail_digits_writes_a_grid(tmp_path, capsys):
    out = tmp_path / "grid.png"
    bits = load_example("pixelsnail_digits").main(
        [
            "--epochs",
            "2",
            "--num-blocks",
            "1",
            "--num-filters",
            "8",
            "--num-heads",
            "1",
            "--key-channels",
            "4",
            "--value-channels",
            "8",
            "--samples-per-class",
            "1",
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    before = float(printed.split("before training:")[1].split()[0])
    assert np.isfinite(bits) and bits < before - 0.3  # untrained: about 3.4
    with Image.open(out) as picture:
        # 10 rows (classes) of 1 real + 1 generated 8×8 digit, enlarged 4×.
        assert picture.size == ((2 * 9 + 1) * 4, (10 * 9 + 1) * 4)
