"""The PixelVAE example, with small settings."""

import math

from harness import load_example
from PIL import Image


def test_pixel_vae_example_reports_bounds_and_writes_a_picture(tmp_path):
    module = load_example("pixel_vae")
    out = tmp_path / "pixel_vae.png"
    results = module.main(
        [
            "--epochs",
            "1",
            "--decoder-layers",
            "1",
            "--decoder-filters",
            "8",
            "--encoder-filters",
            "8",
            "--plain-filters",
            "8",
            "--iwae-samples",
            "4",
            "--columns",
            "3",
            "--out",
            str(out),
        ]
    )
    for key in ("elbo_bits_per_dim", "iwae_bits_per_dim", "plain_bits_per_dim"):
        assert math.isfinite(results[key]) and 0 < results[key] < 4.2, key
    # The IWAE bound is tighter than the ELBO (averaged over 359 digits).
    assert results["iwae_bits_per_dim"] < results["elbo_bits_per_dim"]
    assert results["kl_nats"] >= 0
    assert results["plain_seconds"] >= results["vae_seconds"]
    with Image.open(out) as picture:
        # 5 rows of 3 digits enlarged 8x (64 px), 2 px apart, labels on the left.
        width, height = picture.size
        assert height == 5 * 64 + 6 * 2
        assert width > 3 * 64 + 4 * 2
