"""The `pixeldist` command: train, resume, sample, complete, evaluate, errors."""

from __future__ import annotations

import csv
import json
import os
import shutil

import pytest
from PIL import Image

from pixeldist.cli.main import main

TINY = [
    "--num-layers",
    "1",
    "--num-filters",
    "16",
    "--samples-per-class",
    "2",
    "--quiet",
]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("runs") / "digits")
    assert main(["train", "--epochs", "2", "--out", out, *TINY]) == 0
    return out


def _history(run):
    with open(os.path.join(run, "history.csv")) as file:
        return list(csv.DictReader(file))


def test_train_writes_the_run_directory(trained_run):
    for name in (
        "model.keras",
        "checkpoint.keras",
        "state.json",
        "history.csv",
        "metrics.json",
        "run.json",
        "samples.png",
        "completions.png",
    ):
        assert os.path.isfile(os.path.join(trained_run, name)), name
    history = _history(trained_run)
    assert [row["epoch"] for row in history] == ["0", "1"]
    assert float(history[1]["loss"]) < float(history[0]["loss"])
    with open(os.path.join(trained_run, "metrics.json")) as file:
        assert 1.0 < json.load(file)["bits_per_dim"] < 3.5
    with open(os.path.join(trained_run, "run.json")) as file:
        settings = json.load(file)
    assert settings["model"] == "pixelcnn" and settings["dataset"] == "digits"
    with Image.open(os.path.join(trained_run, "samples.png")) as picture:
        # 10 classes × (a real row + a generated row) of 2 digits enlarged to
        # 64 pixels with 2 between them, 10 between classes, and a column of
        # row labels.
        width, height = picture.size
        assert height == 10 * (2 * 66 + 2) + 9 * 10 and width > 2 * 66 + 2


def test_train_spatial_lstm(tmp_path):
    """`pixeldist train --model spatial_lstm`: a few steps, a finite score."""
    out = str(tmp_path / "spatial_lstm")
    argv = ["train", "--model", "spatial_lstm", "--epochs", "1", "--out", out]
    argv += ["--max-steps-per-epoch", "3", "--classes", "0", "1"]
    argv += ["--classifier-epochs", "0", *TINY]
    assert main(argv) == 0
    with open(os.path.join(out, "run.json")) as file:
        assert json.load(file)["model"] == "spatial_lstm"
    with open(os.path.join(out, "metrics.json")) as file:
        assert 0.0 < json.load(file)["bits_per_dim"] < 8.0
    assert os.path.isfile(os.path.join(out, "samples.png"))


def test_train_resumes_from_the_last_completed_epoch(trained_run, tmp_path, capsys):
    run = str(tmp_path / "resumed")
    shutil.copytree(trained_run, run)
    before = _history(run)
    assert main(["train", "--epochs", "3", "--out", run, *TINY]) == 0
    assert "resuming" in capsys.readouterr().err
    after = _history(run)
    assert [row["epoch"] for row in after] == ["0", "1", "2"]
    assert after[:2] == before  # nothing before the resume point changed


def test_resume_with_other_settings_is_refused(trained_run, tmp_path, capsys):
    run = str(tmp_path / "other")
    shutil.copytree(trained_run, run)
    code = main(
        ["train", "--epochs", "3", "--out", run, "--learning-rate", "0.1", *TINY]
    )
    assert code == 2
    assert "different settings (learning_rate)" in capsys.readouterr().err


def test_evaluate_json_last_line(trained_run, capsys):
    assert main(["evaluate", "--run", trained_run, "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    with open(os.path.join(trained_run, "metrics.json")) as file:
        expected = json.load(file)["bits_per_dim"]
    assert result["bits_per_dim"] == pytest.approx(expected, rel=1e-5)


def test_sampling_shows_progress_on_stderr(trained_run, tmp_path, capsys):
    grid = str(tmp_path / "naive.png")
    assert (
        main(
            [
                "sample",
                "--run",
                trained_run,
                "--labels",
                "4",
                "--num",
                "2",
                "--method",
                "naive",
                "--out",
                grid,
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "sampling" in captured.err and "image" in captured.err
    assert captured.out.strip() == f"wrote {grid}"


def test_sample_and_complete_write_pictures(trained_run, tmp_path, monkeypatch):
    from pixeldist.cli import sample_command

    drawn = []
    save = sample_command.save_generated_rows

    def record(*args, **kwargs):
        drawn.append(kwargs["row_names"])
        save(*args, **kwargs)

    monkeypatch.setattr(sample_command, "save_generated_rows", record)
    grid = str(tmp_path / "grid.png")
    assert (
        main(
            [
                "sample",
                "--run",
                trained_run,
                "--labels",
                "0",
                "7",
                "--num",
                "3",
                "--out",
                grid,
                "--temperature",
                "0.9",
                "--seed",
                "4",
            ]
        )
        == 0
    )
    assert drawn == [["0", "7"]]  # the digits' class names
    with Image.open(grid) as picture:
        width, height = picture.size
        assert height == 2 * 66 + 2 and width > 3 * 66 + 2
    completions = str(tmp_path / "completions.png")
    assert (
        main(
            [
                "complete",
                "--run",
                trained_run,
                "--num-known-rows",
                "3",
                "--num",
                "4",
                "--out",
                completions,
            ]
        )
        == 0
    )
    with Image.open(completions) as picture:
        # originals, known rows, two completions: 4 rows of 4 images.
        width, height = picture.size
        assert height == 4 * 66 + 2 and width > 4 * 66 + 2


def _corrupt_copy(trained_run, tmp_path):
    run = str(tmp_path / "corrupt")
    shutil.copytree(trained_run, run)
    path = os.path.join(run, "model.keras")
    with open(path, "rb") as file:
        head = file.read(500)
    with open(path, "wb") as file:
        file.write(head)
    return run


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sample", "--run", "{missing}"], "does not exist"),
        (["sample", "--run", "{empty}"], "not a pixeldist run directory"),
        (["sample", "--run", "{untrained}"], "holds no trained model"),
        (["evaluate", "--run", "{corrupt}"], "truncated or corrupt"),
        (["sample", "--run", "{run}", "--labels", "3", "10"], "outside the model's"),
        (["evaluate", "--run", "{run}", "--dataset", "mnist"], "has images of shape"),
        (["complete", "--run", "{run}", "--num-known-rows", "9"], "num-known-rows"),
    ],
)
def test_user_errors_exit_2_without_traceback(
    argv, message, trained_run, tmp_path, capsys
):
    empty = tmp_path / "empty"
    empty.mkdir()
    untrained = tmp_path / "untrained"
    untrained.mkdir()
    shutil.copy(os.path.join(trained_run, "run.json"), untrained)
    paths = dict(
        missing=str(tmp_path / "missing"),
        empty=str(empty),
        untrained=str(untrained),
        corrupt=_corrupt_copy(trained_run, tmp_path) if "{corrupt}" in argv else "",
        run=trained_run,
    )
    argv = [arg.format(**paths) for arg in argv]
    if argv[0] == "train":
        argv += ["--out", str(tmp_path / "new")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--model", "pixelgan"], "invalid choice: 'pixelgan'"),
        (["train", "--dataset", "nope"], "invalid choice: 'nope'"),
        (["evaluate", "--run", "r", "--dataset", "nope"], "invalid choice: 'nope'"),
    ],
)
def test_unknown_model_or_data_set_is_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "train" in capsys.readouterr().err
