"""The VQ-VAE prior example, with small settings."""

import numpy as np
from harness import load_example
from PIL import Image


def test_vq_vae_prior_example_writes_its_picture(tmp_path):
    module = load_example("vq_vae_prior")
    out = tmp_path / "samples.png"
    results = module.main(
        [
            "--epochs",
            "8",
            "--prior-epochs",
            "2",
            "--num-filters",
            "16",
            "--prior-layers",
            "1",
            "--prior-filters",
            "16",
            "--samples-per-class",
            "2",
            "--out",
            str(out),
        ]
    )
    assert results["reconstruction_mse"] < 40  # untrained, all paper: about 60
    assert results["prior_bits_per_code"] < results["prior_bits_per_code_before"]
    assert np.isfinite(results["seconds"])
    with Image.open(out) as picture:
        # 10 classes x (real, reconstructed, generated) rows of 64-px tiles:
        # each class a block of 3 * (64 + 2) + 2 rows, blocks 10 px apart.
        assert picture.size[1] == 10 * (3 * 66 + 2) + 9 * 10
        assert picture.size[0] > 2 * 66  # labels left of two tiles per row
