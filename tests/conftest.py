"""Shared pytest set-up: quiet TensorFlow, make `tests/` importable, seed."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(__file__))

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fixed_keras_seed():
    keras.utils.set_random_seed(1234)
    yield
