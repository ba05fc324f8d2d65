"""The cached sampler against the reference loop, for every model of the zoo.

For every model × likelihood × grey/RGB × conditional case: the network
stepped pixel by pixel reproduces the full network, and `sample` (at two
temperatures) and `complete` return the same images with `method="fast"` and
`method="naive"` for one seed.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from harness import assert_incremental_network_matches, perturb_weights
from model_zoo import (
    MODEL_FACTORIES,
    NUM_CLASSES,
    all_cases,
    case_id,
    make_distribution,
)

import pixeldist

HEIGHT, WIDTH, HIGH = 4, 4, 7

# The sampler as users run it: compiled with XLA.
pytestmark = pytest.mark.usefixtures("xla")


def _model(model, likelihood, channels, conditional, **kwargs):
    dist = make_distribution(
        model, likelihood, (HEIGHT, WIDTH, channels), HIGH, conditional, **kwargs
    )
    perturb_weights(dist, 0.3, seed=7)
    return dist


def _labels(conditional, n):
    return {"conditional_input": np.arange(n) % NUM_CLASSES} if conditional else {}


@pytest.mark.parametrize("case", all_cases(), ids=case_id)
def test_incremental_network_reproduces_the_network(case):
    """The steps see the pixel as the sampler does: the channels of later
    groups hold noise, which must not matter."""
    dist = _model(*case)
    rng = np.random.default_rng(1)
    images = rng.integers(0, HIGH + 1, (3, HEIGHT, WIDTH, case[2]))
    condition = tf.range(3) % NUM_CLASSES if case[3] else None
    assert_incremental_network_matches(dist, images, condition, rng, 1e-5)


@pytest.mark.parametrize("case", all_cases(), ids=case_id)
def test_fast_sampling_equals_naive_sampling(case):
    dist = _model(*case)
    labels = _labels(case[3], 6)
    for temperature in (1.0, 0.6):
        naive = dist.sample(
            6, seed=11, temperature=temperature, method="naive", **labels
        ).numpy()
        fast = dist.sample(6, seed=11, temperature=temperature, **labels).numpy()
        np.testing.assert_array_equal(fast, naive)
        assert len(np.unique(fast)) > 2  # the samples vary: equality means something

    images = np.random.default_rng(2).integers(0, HIGH + 1, (6, HEIGHT, WIDTH, case[2]))
    naive = dist.complete(
        images, 2, seed=5, temperature=1.3, method="naive", **labels
    ).numpy()
    fast = dist.complete(images, 2, seed=5, temperature=1.3, **labels).numpy()
    np.testing.assert_array_equal(fast, naive)
    np.testing.assert_array_equal(fast[:, :2], images[:, :2])
    assert not np.array_equal(fast[:, 2:], images[:, 2:])
    assert dist._generator._naive.experimental_get_tracing_count() > 0
    assert dist._generator._fast.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("model", sorted(MODEL_FACTORIES))
def test_new_seeds_labels_and_temperatures_reuse_the_compiled_graph(model):
    dist = _model(model, "categorical", 3, True)
    first = dist.sample(4, seed=1, conditional_input=[0, 1, 2, 0])
    second = dist.sample(4, seed=2, conditional_input=[2, 2, 1, 0], temperature=0.5)
    third = dist.sample(
        4, seed=tf.constant([3, 4]), conditional_input=[1, 0, 0, 2], temperature=2.0
    )
    images = np.zeros((4, HEIGHT, WIDTH, 3))
    dist.complete(images + 1, 2, conditional_input=[1, 1, 2, 0], seed=2)
    assert dist._generator._fast.experimental_get_tracing_count() == 1
    assert dist._generator._naive.experimental_get_tracing_count() == 0
    assert not np.array_equal(first, second) and not np.array_equal(second, third)


@pytest.mark.parametrize("model", ["gated_pixelcnn", "pixelcnn_plus_plus"])
def test_float64_fast_sampling_equals_naive(model):
    dist = _model(model, "logistic_mixture", 3, True, dtype=tf.float64)
    labels = _labels(True, 4)
    naive = dist.sample(4, seed=3, method="naive", **labels)
    fast = dist.sample(4, seed=3, **labels)
    assert fast.dtype == tf.float64
    np.testing.assert_array_equal(fast, naive)


@pytest.mark.parametrize("model", sorted(MODEL_FACTORIES))
def test_float_condition_fast_sampling_equals_naive(model):
    dist = make_distribution(
        model, "categorical", (HEIGHT, WIDTH, 1), HIGH, False, conditional_shape=(2,)
    )
    perturb_weights(dist, 0.3, seed=7)
    condition = np.random.default_rng(3).normal(size=(5, 2)).astype(np.float32)
    naive = dist.sample(5, seed=8, conditional_input=condition, method="naive")
    fast = dist.sample(5, seed=8, conditional_input=condition)
    np.testing.assert_array_equal(fast, naive)


@pytest.mark.parametrize("method", ["slow", "FAST", None, 1])
def test_unknown_methods_are_rejected(method):
    dist = pixeldist.PixelCNN((2, 2, 1), high=3, num_layers=0, num_filters=4)
    with pytest.raises(ValueError, match="`method`"):
        dist.sample(1, seed=1, method=method)
    with pytest.raises(ValueError, match="`method`"):
        dist.complete(np.zeros((1, 2, 2, 1)), 1, seed=1, method=method)
