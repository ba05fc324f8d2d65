"""`--distribute multi_worker`: two worker processes on loopback end identical."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from pixeldist.keras_integration.model_file import load_model_file


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_train_to_identical_weights(tmp_path):
    out = str(tmp_path / "run")
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = []
    for index in range(2):
        env = dict(
            os.environ,
            TF_CPP_MIN_LOG_LEVEL="3",
            TF_CONFIG=json.dumps(
                {
                    "cluster": {"worker": workers},
                    "task": {"type": "worker", "index": index},
                }
            ),
        )
        command = [
            sys.executable,
            "-m",
            "pixeldist.cli.main",
            "train",
            "--distribute",
            "multi_worker",
            "--epochs",
            "2",
            "--max-steps-per-epoch",
            "3",
            "--batch-size",
            "16",
            "--num-layers",
            "1",
            "--num-filters",
            "8",
            "--samples-per-class",
            "1",
            "--quiet",
            "--out",
            out,
        ]
        processes.append(
            subprocess.Popen(
                command,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = []
    for process in processes:
        try:
            outputs.append(process.communicate(timeout=420))
        except subprocess.TimeoutExpired:
            for p in processes:
                p.kill()
            pytest.fail("multi-worker training did not finish")
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-3000:]

    chief = load_model_file(os.path.join(out, "model.keras"))
    other = load_model_file(os.path.join(out, "workers", "1", "model.keras"))
    chief_weights = chief.distribution.get_weights()
    assert len(chief_weights) > 0
    for a, b in zip(chief_weights, other.distribution.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # The chief wrote the usual outputs, with a two-epoch history.
    for name in ("metrics.json", "samples.png", "completions.png", "history.csv"):
        assert os.path.isfile(os.path.join(out, name)), name
    with open(os.path.join(out, "history.csv")) as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 2
    assert float(rows[1]["loss"]) < float(rows[0]["loss"])  # it did train
    assert "held-out bits/dim" in outputs[0][0]
