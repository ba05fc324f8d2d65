"""benchmarks/ood_detection.py runs its TFDS recipe (MNIST against
Fashion-MNIST) end to end, on TFDS's mock data and tiny settings."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import tensorflow_datasets as tfds

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _benchmark():
    path = ROOT / "benchmarks" / "ood_detection.py"
    spec = importlib.util.spec_from_file_location("ood_detection", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mnist_against_fashion_mnist_recipe(tmp_path, capsys):
    picture = tmp_path / "maps.png"
    with tfds.testing.mock_data(num_examples=24):
        results = _benchmark().main(
            [
                "--dataset",
                "mnist",
                "--ood-dataset",
                "fashion_mnist",
                "--epochs",
                "1",
                "--classifier-epochs",
                "1",
                "--num-layers",
                "1",
                "--num-filters",
                "4",
                "--num-test",
                "12",
                "--unseen-classes",
                "0",
                "1",
                "--picture",
                str(picture),
            ]
        )
    printed = capsys.readouterr().out
    assert "AUROC" in printed and "fashion_mnist" in printed
    assert "unseen classes" in printed
    assert set(results["auroc"]) == {
        "bits/dim",
        "likelihood ratio",
        "complexity (PNG)",
        "complexity (WebP)",
    }
    for aurocs in results["auroc"].values():
        assert len(aurocs) == 6 and all(0.0 <= a <= 1.0 for a in aurocs)
    assert 0.0 <= results["bayes_accuracy"] <= 1.0
    assert all(np.isfinite(d) for d in results["frechet_distance"].values())
    assert picture.stat().st_size > 0
