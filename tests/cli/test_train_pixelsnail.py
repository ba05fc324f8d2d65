"""`pixeldist train --model pixelsnail`: trains, saves, and the model loads."""

from __future__ import annotations

import json
import os

import keras

import pixeldist
from pixeldist.cli.main import main
from pixeldist.cli.model_registry import build_distribution


def test_train_pixelsnail_writes_a_loadable_model(tmp_path):
    out = str(tmp_path / "snail")
    argv = ["train", "--model", "pixelsnail", "--epochs", "1", "--out", out]
    tiny = ["--num-layers", "1", "--num-filters", "8", "--samples-per-class", "1"]
    assert main([*argv, *tiny, "--quiet"]) == 0
    with open(os.path.join(out, "metrics.json")) as file:
        assert 0.0 < json.load(file)["bits_per_dim"] < 4.5
    model = keras.models.load_model(os.path.join(out, "model.keras"))
    dist = model.distribution
    assert isinstance(dist, pixeldist.PixelSNAIL)
    assert (dist.likelihood, dist.num_classes) == ("logistic_mixture", 10)
    assert dist.parameters["num_blocks"] == 1


def test_laptop_default():
    dist = build_distribution("pixelsnail", (8, 8, 1), 16, 10)
    config = dist.get_config()
    assert (config["num_blocks"], config["num_resnet"], config["num_filters"]) == (
        2,
        1,
        32,
    )
