"""`TieredFunction`: calls answer at once as plain graphs while XLA compiles
in the background; compiled shapes are remembered in the process and, by a
marker beside the saved graph, across processes."""

import os
import threading

import numpy as np
import pytest
import tensorflow as tf

import pixeldist
from pixeldist.sampling import tiered_function
from pixeldist.sampling.tiered_function import (
    TieredFunction,
    background_compile,
    wait_for_compilations,
)


class _Recorder:
    """A stand-in for a `StableFunction`: records which tier ran, and where."""

    def __init__(self, tier, calls, fail=False, gate=None):
        self.name = f"__pixeldist_test_{tier}"
        self.calls = calls
        self._tier = tier
        self._fail = fail
        self._gate = gate

    def __call__(self, x):
        if x.shape[0] == 0:  # as a `StableFunction` refuses a wrong argument
            raise ValueError("refused")
        if self._gate is not None:
            self._gate.wait(10)
        self.calls.append((self._tier, threading.current_thread().name, tuple(x.shape)))
        if self._fail:
            raise tf.errors.InternalError(None, None, "compilation failed")
        return x + 1


def _tiered(marker_path=None, fail=False, gate=None, failed_names=()):
    """A `TieredFunction` of two recorders, and their list of calls."""
    calls = []
    plain = _Recorder("plain", calls)
    compiled = _Recorder("xla", calls, fail, gate)
    function = TieredFunction(
        lambda: plain, lambda: compiled, marker_path, failed_names
    )
    return function, calls


def test_a_first_call_runs_plain_and_compiles_in_the_background():
    gate = threading.Event()  # the compilation waits until the test says so
    function, calls = _tiered(gate=gate)
    x = tf.zeros([2, 3])
    np.testing.assert_array_equal(function(x), x + 1)
    np.testing.assert_array_equal(function(x), x + 1)  # not ready: plain again
    assert not function.ready(x)
    gate.set()
    assert wait_for_compilations(10)
    assert function.ready(x) and not function.ready(tf.zeros([4, 3]))
    function(x)
    main = threading.current_thread().name
    assert calls == [
        ("plain", main, (2, 3)),
        ("plain", main, (2, 3)),
        ("xla", "pixeldist-xla-__pixeldist_test_plain", (2, 3)),  # compiled once
        ("xla", main, (2, 3)),
    ]
    function(tf.zeros([4, 3]))  # another shape: plain, and compiled anew
    function.wait()
    assert function.ready(tf.zeros([4, 3]))
    assert [c[0] for c in calls[4:]] == ["plain", "xla"]


def test_a_refused_call_compiles_nothing():
    function, calls = _tiered()
    with pytest.raises(ValueError, match="refused"):
        function(tf.zeros([0, 3]))
    function.wait()  # no thread was made
    assert wait_for_compilations(10)
    assert calls == []


def test_a_marker_tells_a_later_process_that_the_program_is_compiled(tmp_path):
    path = str(tmp_path / "graph")
    x = tf.zeros([2, 3])
    first, _ = _tiered(path)
    first(x)
    first.wait()
    (marker,) = os.listdir(tmp_path)
    assert marker.startswith("graph.") and marker.endswith(".xla")
    later, calls = _tiered(path)  # as a new process would
    assert later.ready(x) and not later.ready(tf.zeros([5, 3]))
    later(x)
    assert [c[0] for c in calls] == ["xla"]
    # A program that failed in this process is not called again.
    failed, calls = _tiered(path, failed_names={"__pixeldist_test_xla"})
    assert not failed.ready(x)
    failed(x)
    failed.wait()
    assert [c[0] for c in calls] == ["plain"]


def test_a_failed_compilation_leaves_the_shapes_to_the_plain_graph(tmp_path):
    function, calls = _tiered(str(tmp_path / "graph"), fail=True)
    x = tf.zeros([2, 3])
    for _ in range(2):
        np.testing.assert_array_equal(function(x), x + 1)
        function.wait()
    assert not function.ready(x)
    assert [c[0] for c in calls] == ["plain", "xla", "plain"]
    assert not os.listdir(tmp_path)  # no marker


@pytest.mark.parametrize("value, expected", [(None, True), ("1", True), ("0", False)])
def test_the_setting_is_read_from_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv(tiered_function.BACKGROUND_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(tiered_function.BACKGROUND_VARIABLE, value)
    assert background_compile() is expected


def test_a_bad_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv(tiered_function.BACKGROUND_VARIABLE, "later")
    with pytest.raises(ValueError, match="PIXELDIST_BACKGROUND_COMPILE must be"):
        pixeldist.PixelCNN((3, 3, 1), high=3, num_layers=1, num_filters=4)


@pytest.mark.parametrize("background", ["1", "0"])
def test_a_sampler_answers_before_xla_and_then_uses_it(monkeypatch, background):
    """The real sampler: the first call's images come from the plain graph
    (with background compilation) and equal the compiled program's, which
    later calls run; nothing is traced twice."""
    monkeypatch.setenv("PIXELDIST_JIT_COMPILE", "1")
    monkeypatch.setenv(tiered_function.BACKGROUND_VARIABLE, background)
    dist = pixeldist.PixelCNN((3, 3, 1), high=3, num_layers=1, num_filters=4)
    dist.set_weights(
        [np.full(w.shape, 0.1 * (k + 1)) for k, w in enumerate(dist.weights)]
    )
    first = dist.sample(4, seed=3).numpy()
    function = dist._generator._stable["_fast"]
    assert isinstance(function, TieredFunction) is (background == "1")
    assert wait_for_compilations(120)
    if background == "1":  # later calls run the compiled program only

        def no_plain_call(*args):
            raise AssertionError("the plain graph ran after the compilation")

        monkeypatch.setattr(function, "_plain", no_plain_call)
    np.testing.assert_array_equal(dist.sample(4, seed=3).numpy(), first)
    assert len(np.unique(first)) > 1
    assert dist._generator._fast.experimental_get_tracing_count() == 1
