"""The Diagonal BiLSTM incremental network against the full PixelRNN network and
sampler."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from harness import assert_incremental_network_matches, perturb_weights
from model_zoo import NUM_CLASSES

from pixeldist.distributions.pixelrnn import PixelRNN
from pixeldist.sampling.incremental_diagonal_bilstm import IncrementalDiagonalBiLSTM

HEIGHT, WIDTH, HIGH = 4, 6, 5
CASES = [
    (likelihood, channels, conditional)
    for likelihood in ("categorical", "logistic_mixture")
    for channels in (1, 3)
    for conditional in (False, True)
]


def _case_id(case):
    likelihood, channels, conditional = case
    colour = "grey" if channels == 1 else "rgb"
    condition = "cond" if conditional else "uncond"
    return f"diagonal_bilstm-{likelihood}-{colour}-{condition}"


def _model(likelihood, channels, conditional, **kwargs):
    # Two layers, so the second layer's inputs depend on the first's states.
    dist = PixelRNN(
        (HEIGHT, WIDTH, channels),
        cell="diagonal_bilstm",
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
    order gives the full network's outputs at every pixel (both directions,
    every image edge); later channel groups of the current pixel hold junk,
    which must not matter."""
    _, channels, conditional = case
    dist = _model(*case)
    rng = np.random.default_rng(1)
    images = rng.integers(0, HIGH + 1, (3, HEIGHT, WIDTH, channels))
    condition = tf.range(3) % NUM_CLASSES if conditional else None
    net = dist._incremental_network()
    assert isinstance(net, IncrementalDiagonalBiLSTM)
    assert_incremental_network_matches(dist, net, images, condition, rng, 1e-5)


def test_some_pixels_reach_the_next_row_only_through_the_right_to_left_states():
    """On this domain the match above covers the right-to-left sweep: pixel
    `(0, 4)` is outside the 7×7 input convolution's window at `(1, 0)`
    (columns <= 3 of row 0) and the left-to-right states never look right,
    yet it changes the network's outputs at `(1, 0)`: through the inputs at
    `(0, 5)` and the right-to-left states of row 0, shifted down."""
    dist = _model("categorical", 1, False)
    images = np.zeros((2, HEIGHT, WIDTH, 1))
    images[1, 0, 4] = HIGH
    outputs = dist.network(dist._scale_images(images)).numpy()
    assert not np.allclose(outputs[0, 1, 0], outputs[1, 1, 0], atol=1e-3)
    # Causality control: the outputs up to (0, 4) itself do not see it.
    np.testing.assert_array_equal(outputs[0, 0, :5], outputs[1, 0, :5])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fast_sampling_equals_naive_sampling(case):
    dist = _model(*case)
    labels = _labels(case[2], 5)
    for temperature in (1.0, 0.6):
        naive = dist.sample(
            5, seed=11, temperature=temperature, method="naive", **labels
        ).numpy()
        fast = dist.sample(5, seed=11, temperature=temperature, **labels).numpy()
        np.testing.assert_array_equal(fast, naive)
        assert len(np.unique(fast)) > 2  # the samples vary: equality means something

    images = np.random.default_rng(2).integers(0, HIGH + 1, (5, HEIGHT, WIDTH, case[1]))
    naive = dist.complete(
        images, 2, seed=5, temperature=1.3, method="naive", **labels
    ).numpy()
    fast = dist.complete(images, 2, seed=5, temperature=1.3, **labels).numpy()
    np.testing.assert_array_equal(fast, naive)
    np.testing.assert_array_equal(fast[:, :2], images[:, :2])
    assert not np.array_equal(fast[:, 2:], images[:, 2:])


def test_fast_sampling_uses_the_incremental_network_without_retracing():
    dist = _model("categorical", 3, True)
    dist.sample(2, seed=1, conditional_input=[0, 1])
    assert dist._generate_fast.experimental_get_tracing_count() == 1
    assert dist._generate.experimental_get_tracing_count() == 0
    dist.sample(2, seed=2, conditional_input=[2, 0], temperature=0.7)
    dist.sample(2, seed=3, conditional_input=[1, 1], temperature=1.6)
    assert dist._generate_fast.experimental_get_tracing_count() == 1

    images = np.zeros((2, HEIGHT, WIDTH, 3))
    dist.complete(images, 1, conditional_input=[0, 1], seed=1)
    traces = dist._generate_fast.experimental_get_tracing_count()
    dist.complete(images + 1, 2, conditional_input=[2, 1], seed=2, temperature=3.0)
    assert dist._generate_fast.experimental_get_tracing_count() == traces
    assert dist._generate.experimental_get_tracing_count() == 0


def test_rejects_a_row_lstm_network():
    dist = PixelRNN((3, 3, 1), cell="row_lstm", num_layers=1, num_filters=2)
    with pytest.raises(ValueError, match="Diagonal BiLSTM"):
        IncrementalDiagonalBiLSTM(dist.network)


def test_float_condition_fast_sampling_equals_naive():
    dist = PixelRNN(
        (HEIGHT, WIDTH, 1),
        cell="diagonal_bilstm",
        conditional_shape=(2,),
        num_layers=2,
        num_filters=4,
        high=HIGH,
    )
    perturb_weights(dist, 0.3, seed=7)
    condition = np.random.default_rng(3).normal(size=(4, 2)).astype(np.float32)
    naive = dist.sample(4, seed=8, conditional_input=condition, method="naive")
    fast = dist.sample(4, seed=8, conditional_input=condition)
    np.testing.assert_array_equal(fast, naive)
