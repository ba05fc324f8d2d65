"""The Row LSTM incremental network against the full PixelRNN network and sampler."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from harness import assert_incremental_network_matches, perturb_weights
from model_zoo import NUM_CLASSES

from pixeldist.distributions.pixelrnn import PixelRNN
from pixeldist.sampling.incremental_row_lstm import IncrementalRowLSTM

HEIGHT, WIDTH, HIGH = 4, 5, 7
CASES = [
    (likelihood, channels, conditional)
    for likelihood in ("categorical", "logistic_mixture")
    for channels in (1, 3)
    for conditional in (False, True)
]


def _case_id(case):
    likelihood, channels, conditional = case
    colour = "grey" if channels == 1 else "rgb"
    return f"row_lstm-{likelihood}-{colour}-{'cond' if conditional else 'uncond'}"


def _model(likelihood, channels, conditional, **kwargs):
    # Two layers, so the second layer's inputs depend on the first's states.
    dist = PixelRNN(
        (HEIGHT, WIDTH, channels),
        cell="row_lstm",
        likelihood=likelihood,
        num_logistic_mix=2,
        num_classes=NUM_CLASSES if conditional else None,
        num_layers=2,
        num_filters=6,
        high=HIGH,
        **kwargs,
    )
    perturb_weights(dist, 0.3, seed=7)
    return dist


def _labels(conditional, n):
    return {"conditional_input": np.arange(n) % NUM_CLASSES} if conditional else {}


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_incremental_network_reproduces_the_network(case):
    """Driving `start_row`/`write_pixel`/`step` over a fixed image in raster
    order gives the full network's outputs at every pixel; later channel groups
    of the current pixel hold junk, which must not matter."""
    _, channels, conditional = case
    dist = _model(*case)
    rng = np.random.default_rng(1)
    images = rng.integers(0, HIGH + 1, (3, HEIGHT, WIDTH, channels))
    condition = tf.range(3) % NUM_CLASSES if conditional else None
    net = dist._incremental_network()
    assert isinstance(net, IncrementalRowLSTM)
    assert_incremental_network_matches(dist, net, images, condition, rng, 1e-4)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fast_sampling_equals_naive_sampling(case):
    dist = _model(*case)
    labels = _labels(case[2], 6)
    for temperature in (1.0, 0.6):
        naive = dist.sample(
            6, seed=11, temperature=temperature, method="naive", **labels
        ).numpy()
        fast = dist.sample(6, seed=11, temperature=temperature, **labels).numpy()
        np.testing.assert_array_equal(fast, naive)
        assert len(np.unique(fast)) > 2  # the samples vary: equality means something

    images = np.random.default_rng(2).integers(0, HIGH + 1, (6, HEIGHT, WIDTH, case[1]))
    naive = dist.complete(
        images, 2, seed=5, temperature=1.3, method="naive", **labels
    ).numpy()
    fast = dist.complete(images, 2, seed=5, temperature=1.3, **labels).numpy()
    np.testing.assert_array_equal(fast, naive)
    np.testing.assert_array_equal(fast[:, :2], images[:, :2])
    assert not np.array_equal(fast[:, 2:], images[:, 2:])


def test_fast_sampling_uses_the_incremental_network():
    dist = _model("categorical", 1, False)
    dist.sample(2, seed=1)
    assert dist._generate_fast.experimental_get_tracing_count() == 1
    assert dist._generate.experimental_get_tracing_count() == 0


def test_rejects_a_diagonal_bilstm_network():
    dist = PixelRNN((3, 3, 1), cell="diagonal_bilstm", num_layers=1, num_filters=2)
    with pytest.raises(ValueError, match="Row LSTM"):
        IncrementalRowLSTM(dist.network)


def test_float64_fast_sampling_equals_naive():
    dist = _model("logistic_mixture", 3, True, dtype=tf.float64)
    labels = _labels(True, 4)
    naive = dist.sample(4, seed=3, method="naive", **labels)
    fast = dist.sample(4, seed=3, **labels)
    assert fast.dtype == tf.float64
    np.testing.assert_array_equal(fast, naive)


def test_float_condition_fast_sampling_equals_naive():
    dist = PixelRNN(
        (HEIGHT, WIDTH, 1),
        cell="row_lstm",
        conditional_shape=(2,),
        num_layers=2,
        num_filters=4,
        high=HIGH,
    )
    perturb_weights(dist, 0.3, seed=7)
    condition = np.random.default_rng(3).normal(size=(5, 2)).astype(np.float32)
    naive = dist.sample(5, seed=8, conditional_input=condition, method="naive")
    fast = dist.sample(5, seed=8, conditional_input=condition)
    np.testing.assert_array_equal(fast, naive)
