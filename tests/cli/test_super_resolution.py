"""`pixeldist train --condition lowres:F` and `pixeldist sample --condition-from`."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest
from PIL import Image

from pixeldist.cli.main import main
from pixeldist.data import digits_arrays, low_resolution

TINY = ["--num-layers", "1", "--num-filters", "8", "--samples-per-class", "3"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("runs") / "lowres")
    argv = ["train", "--condition", "lowres:4", "--epochs", "1", "--out", out]
    assert main([*argv, *TINY, "--quiet"]) == 0
    return out


def _height(path):
    with Image.open(path) as picture:
        return picture.size[1]


def test_the_model_is_conditioned_on_the_low_resolution_image(run):
    from pixeldist.cli.run_directory import RunDirectory

    assert RunDirectory(run).read_settings()["condition"] == "lowres:4"
    dist = RunDirectory(run).load_model().distribution
    assert dist.num_classes is None and dist.has_condition_map
    images, _ = digits_arrays("test")
    images = images[:4].astype("float32")
    condition = low_resolution(images, 4, high=16)
    reversed_ = dist.log_prob(images, conditional_input=condition[::-1])
    assert not np.allclose(
        dist.log_prob(images, conditional_input=condition), reversed_
    )
    # 3 held-out digits: original, input and 2 sample rows, 64 px each.
    assert _height(os.path.join(run, "samples.png")) == 4 * 66 + 2


@pytest.mark.parametrize("size", ["full", "small"])
def test_sample_from_images_or_their_low_resolution(run, tmp_path, size):
    images = digits_arrays("test")[0][:3]
    if size == "small":
        images = images.reshape(3, 2, 4, 2, 4, 1).mean(axis=(2, 4))
    np.save(tmp_path / "in.npy", images)
    out = str(tmp_path / "sr.png")
    argv = ["sample", "--run", run, "--condition-from", str(tmp_path / "in.npy")]
    assert main([*argv, "--num", "2", "--out", out]) == 0
    rows = 4 if size == "full" else 3  # the originals only when given
    assert _height(out) == rows * 66 + 2


def test_evaluate_and_complete_use_the_condition(run, tmp_path, capsys):
    assert main(["evaluate", "--run", run, "--json"]) == 0
    reported = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    with open(os.path.join(run, "metrics.json")) as file:
        trained = json.load(file)["bits_per_dim"]
    assert reported["bits_per_dim"] == pytest.approx(trained, rel=1e-5)
    out = str(tmp_path / "c.png")
    assert main(["complete", "--run", run, "--num", "2", "--out", out]) == 0


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((3, 5, 5, 1)), r"expected images \[N, 8, 8, 1\] or \[N, 2, 2, 1\]"),
        (np.full((2, 8, 8, 1), 17.0), r"pixel values in \[0, 16\], got \[17, 17\]"),
        (np.full((2, 2, 2, 1), np.nan), "must be finite"),
        (None, "cannot read it"),
    ],
)
def test_bad_condition_files_exit_2(run, tmp_path, capsys, array, message):
    path = tmp_path / "in.npy"
    if array is not None:
        np.save(path, array)
    assert main(["sample", "--run", run, "--condition-from", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert re.search(message, err)


def test_labels_are_refused_for_a_low_resolution_run(run, capsys):
    assert main(["sample", "--run", run, "--labels", "1"]) == 2
    assert "--condition-from" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["lowres", "lowres:1", "lowres:x", "highres:4"])
def test_bad_condition_specs_are_usage_errors(spec, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--condition", spec])
    assert exit_.value.code == 2
    assert "expected lowres:F" in capsys.readouterr().err


def test_a_factor_that_does_not_divide_the_images(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["train", "--condition", "lowres:3", "--out", out, "--quiet"]) == 2
    assert "3 divides, got 8x8" in capsys.readouterr().err
