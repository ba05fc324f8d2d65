"""Shared pytest set-up: quiet TensorFlow, samplers without XLA unless asked
for and without the persistent compilation cache, make `tests/` importable,
seed."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow keeps every XLA-compiled program until the process exits (~35 MB
# and ~160 memory mappings per model that samples); the suite builds hundreds
# of models, so one process would pass Linux's 65,530 mappings and abort. Its
# cached samplers run as plain graphs, except in the tests that ask for the
# `xla` fixture (the fast == naive tests over the whole zoo).
os.environ.setdefault("PIXELDIST_JIT_COMPILE", "0")
# The `xla` tests must not write compiled samplers into the user's cache
# folder; tests/sampling/test_compilation_cache.py turns it on in
# subprocesses of its own.
os.environ.setdefault("PIXELDIST_COMPILATION_CACHE", "0")
sys.path.insert(0, os.path.dirname(__file__))

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fixed_keras_seed():
    keras.utils.set_random_seed(1234)
    yield


@pytest.fixture
def xla(monkeypatch):
    """Distributions built in the test compile their samplers with XLA, and
    every call runs the compiled program (no plain first calls while XLA
    compiles in the background: tests/sampling/test_tiered_function.py)."""
    monkeypatch.setenv("PIXELDIST_JIT_COMPILE", "1")
    monkeypatch.setenv("PIXELDIST_BACKGROUND_COMPILE", "0")
