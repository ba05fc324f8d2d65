"""The short version of benchmarks/stress_training.py: no NaN or inf anywhere."""

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "stress_training", ROOT / "benchmarks" / "stress_training.py"
)
stress_training = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stress_training)

CONFIGS = stress_training.configurations()


@pytest.mark.parametrize("config", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_short_stress_run_stays_finite(config):
    _, model, likelihood, extra = config
    result = stress_training.stress(model, likelihood, extra, steps=15, tiny=True)
    assert result["non_finite_loss"] == 0
    assert result["non_finite_gradients"] == 0
    assert result["non_finite_weights"] == 0
