"""The command line's scores: the run's image classifier, sample quality in
`pixeldist evaluate`, and background models (`--background-mutation`)."""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import pytest

from pixeldist.cli.main import main
from pixeldist.cli.train_command import _training_batches
from pixeldist.data import load_digits_dataset

TINY = [
    "--epochs",
    "1",
    "--max-steps-per-epoch",
    "3",
    "--num-layers",
    "1",
    "--num-filters",
    "8",
    "--samples-per-class",
    "1",
    "--quiet",
]


@pytest.fixture(scope="module")
def run_with_classifier(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("runs") / "digits")
    assert main(["train", "--out", out, "--classifier-epochs", "2", *TINY]) == 0
    return out


def _evaluate(run, capsys, *extra):
    assert main(["evaluate", "--run", run, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_train_keeps_a_classifier_and_evaluate_reports_sample_quality(
    run_with_classifier, capsys
):
    for name in ("classifier.keras", "classifier.json"):
        assert os.path.isfile(os.path.join(run_with_classifier, name))
    report = _evaluate(run_with_classifier, capsys, "--num-samples", "20")
    assert set(report) == {
        "bits_per_dim",
        "dataset",
        "split",
        "frechet_distance",
        "conditional_accuracy",
    }
    assert np.isfinite(report["frechet_distance"]) and report["frechet_distance"] >= 0
    assert 0.0 <= report["conditional_accuracy"] <= 1.0
    assert "frechet_distance" not in _evaluate(
        run_with_classifier, capsys, "--num-samples", "0"
    )
    assert main(["evaluate", "--run", run_with_classifier, "--num-samples", "10"]) == 0
    printed = capsys.readouterr().out
    assert "Fréchet distance of samples" in printed
    assert "labels as their class" in printed


def test_the_classifier_is_trained_once_per_data_set(run_with_classifier, capsys):
    path = os.path.join(run_with_classifier, "classifier.keras")
    before = os.stat(path).st_mtime_ns
    argv = ["train", "--out", run_with_classifier, "--classifier-epochs", "2", *TINY]
    argv[argv.index("--epochs") + 1] = "2"  # resumes, then trains one more epoch
    assert main(argv) == 0
    assert "training the image classifier" not in capsys.readouterr().err
    assert os.stat(path).st_mtime_ns == before


def test_background_model_run(tmp_path, capsys):
    out = str(tmp_path / "background")
    assert main(["train", "--out", out, "--background-mutation", "0.2", *TINY]) == 0
    err = capsys.readouterr().err
    assert "background model" in err and "probability 0.2" in err
    with open(os.path.join(out, "run.json")) as file:
        assert json.load(file)["background_mutation"] == 0.2
    assert not os.path.exists(os.path.join(out, "classifier.keras"))
    assert "frechet_distance" not in _evaluate(out, capsys)


def _batches(rate, initial_epoch=0):
    args = argparse.Namespace(
        seed=3,
        batch_size=100,
        max_steps_per_epoch=None,
        epochs=2,
        background_mutation=rate,
    )
    batches, steps = _training_batches(load_digits_dataset(), args, initial_epoch, 16)
    return [tuple(np.asarray(t) for t in b) for b in batches.as_numpy_iterator()], steps


def test_mutated_batches_are_fresh_each_epoch_and_replayed_on_resume():
    clean, steps = _batches(None)
    mutated, _ = _batches(0.5)
    resumed, _ = _batches(0.5, initial_epoch=1)
    assert len(clean) == len(mutated) == 2 * steps
    for (image, label), (noisy, noisy_label) in zip(clean, mutated, strict=True):
        np.testing.assert_array_equal(label, noisy_label)  # labels untouched
        assert noisy.max() <= 16
        # Half the values are redrawn, and a redrawn value keeps its old value
        # with probability 1/17.
        assert abs(np.mean(image != noisy) - 0.5 * 16 / 17) < 0.03
    first_epoch_noise = mutated[0][0] != clean[0][0]
    second_epoch_noise = mutated[steps][0] != clean[steps][0]
    # Independent masks agree on about half the values; the same seed in
    # both epochs would make them agree almost everywhere.
    assert np.mean(first_epoch_noise == second_epoch_noise) < 0.7
    for (image, _), (again, _) in zip(mutated[steps:], resumed, strict=True):
        np.testing.assert_array_equal(image, again)


def test_a_mutation_rate_outside_0_1_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--background-mutation", "0"])
    assert exit_info.value.code == 2
    assert "--background-mutation: must be in (0, 1]" in capsys.readouterr().err
