"""A training run killed with SIGKILL resumes from its last completed epoch."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

ARGS = [
    "train",
    "--epochs",
    "4",
    "--num-layers",
    "2",
    "--num-filters",
    "32",
    "--samples-per-class",
    "1",
    "--quiet",
    "--seed",
    "3",
]


def _command(out):
    return [sys.executable, "-m", "pixeldist.cli.main", *ARGS, "--out", out]


def _env():
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def _epochs_done(out):
    try:
        with open(os.path.join(out, "state.json")) as file:
            return json.load(file)["epoch"]
    except (OSError, ValueError):
        return 0


def _history(out):
    with open(os.path.join(out, "history.csv")) as file:
        return list(csv.DictReader(file))


def _bits(out):
    with open(os.path.join(out, "metrics.json")) as file:
        return json.load(file)["bits_per_dim"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path):
    killed = str(tmp_path / "killed")
    process = subprocess.Popen(
        _command(killed),
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while _epochs_done(killed) < 2:
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.time() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert _epochs_done(killed) in (2, 3)
    assert not os.path.exists(os.path.join(killed, "model.keras"))
    # No half-written file is left where a model is expected.
    leftovers = [n for n in os.listdir(killed) if n.endswith(".keras")]
    assert leftovers == ["checkpoint.keras"]

    subprocess.run(
        _command(killed),
        env=_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    history = _history(killed)
    assert [row["epoch"] for row in history] == ["0", "1", "2", "3"]

    straight = str(tmp_path / "straight")
    subprocess.run(
        _command(straight),
        env=_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert abs(_bits(killed) - _bits(straight)) < 0.02
    # The epochs before the crash are the uninterrupted run's epochs.
    for resumed_row, straight_row in zip(
        history[:2], _history(straight)[:2], strict=True
    ):
        assert float(resumed_row["loss"]) == pytest.approx(
            float(straight_row["loss"]), rel=1e-4
        )
