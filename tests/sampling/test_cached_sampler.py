"""The cached incremental sampler against the reference (recomputing) sampler."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from harness import assert_incremental_network_matches, perturb_weights
from model_zoo import NUM_CLASSES, make_distribution

import pixeldist
from pixeldist.sampling.incremental_gated_pixelcnn import IncrementalGatedPixelCNN
from pixeldist.sampling.incremental_pixelcnn import IncrementalPixelCNN

HEIGHT, WIDTH, HIGH = 4, 5, 7
MODELS = ("pixelcnn", "gated_pixelcnn")
CASES = [
    (model, likelihood, channels, conditional)
    for model in MODELS
    for likelihood in ("categorical", "logistic_mixture")
    for channels in (1, 3)
    for conditional in (False, True)
]


def _case_id(case):
    model, likelihood, channels, conditional = case
    colour = "grey" if channels == 1 else "rgb"
    return f"{model}-{likelihood}-{colour}-{'cond' if conditional else 'uncond'}"


def _model(model, likelihood, channels, conditional, **kwargs):
    dist = make_distribution(
        model, likelihood, (HEIGHT, WIDTH, channels), HIGH, conditional, **kwargs
    )
    perturb_weights(dist, 0.3, seed=7)
    return dist


def _labels(conditional, n):
    return {"conditional_input": np.arange(n) % NUM_CLASSES} if conditional else {}


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_incremental_network_reproduces_the_network(case):
    """Driving `write_pixel`/`step` over a fixed image in raster order gives the
    full network's outputs at every pixel (the steps see the same pixel the
    sampler would: channels of later groups hold junk, which must not matter)."""
    dist = _model(*case)
    rng = np.random.default_rng(1)
    images = rng.integers(0, HIGH + 1, (3, HEIGHT, WIDTH, case[2]))
    condition = tf.range(3) % NUM_CLASSES if case[3] else None
    net = dist._incremental_network()
    assert_incremental_network_matches(dist, net, images, condition, rng, 1e-4)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
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


@pytest.mark.parametrize("model", MODELS)
def test_fast_sampling_uses_the_incremental_network(model):
    expected = {
        "pixelcnn": IncrementalPixelCNN,
        "gated_pixelcnn": IncrementalGatedPixelCNN,
    }
    dist = _model(model, "categorical", 1, False)
    assert isinstance(dist._incremental_network(), expected[model])
    dist.sample(2, seed=1)
    assert dist._generate_fast.experimental_get_tracing_count() == 1
    assert dist._generate.experimental_get_tracing_count() == 0


@pytest.mark.parametrize("model", MODELS)
def test_float64_fast_sampling_equals_naive(model):
    dist = _model(model, "logistic_mixture", 3, True, dtype=tf.float64)
    labels = _labels(True, 4)
    naive = dist.sample(4, seed=3, method="naive", **labels)
    fast = dist.sample(4, seed=3, **labels)
    assert fast.dtype == tf.float64
    np.testing.assert_array_equal(fast, naive)


@pytest.mark.parametrize("model", MODELS)
def test_new_seeds_labels_and_temperatures_reuse_the_compiled_graph(model):
    dist = _model(model, "categorical", 3, True)
    first = dist.sample(4, seed=1, conditional_input=[0, 1, 2, 0])
    traces = dist._generate_fast.experimental_get_tracing_count()
    second = dist.sample(4, seed=2, conditional_input=[2, 2, 1, 0], temperature=0.5)
    third = dist.sample(
        4, seed=tf.constant([3, 4]), conditional_input=[1, 0, 0, 2], temperature=2.0
    )
    assert dist._generate_fast.experimental_get_tracing_count() == traces
    assert not np.array_equal(first, second) and not np.array_equal(second, third)

    images = np.zeros((4, HEIGHT, WIDTH, 3))
    dist.complete(images, 1, conditional_input=[0, 1, 2, 0], seed=1)
    traces = dist._generate_fast.experimental_get_tracing_count()
    dist.complete(
        images + 1, 2, conditional_input=[1, 1, 2, 0], seed=2, temperature=3.0
    )
    assert dist._generate_fast.experimental_get_tracing_count() == traces


def test_models_without_incremental_network_fall_back_to_the_reference(monkeypatch):
    dist = _model("pixelcnn", "logistic_mixture", 1, False)
    monkeypatch.setattr(dist, "_incremental_network", lambda: None)
    fast = dist.sample(3, seed=4)
    assert dist._generate_fast.experimental_get_tracing_count() == 0
    np.testing.assert_array_equal(fast, dist.sample(3, seed=4, method="naive"))


@pytest.mark.parametrize("method", ["slow", "FAST", None, 1])
def test_unknown_methods_are_rejected(method):
    dist = pixeldist.PixelCNN((2, 2, 1), high=3, num_layers=0, num_filters=4)
    with pytest.raises(ValueError, match="`method`"):
        dist.sample(1, seed=1, method=method)
    with pytest.raises(ValueError, match="`method`"):
        dist.complete(np.zeros((1, 2, 2, 1)), 1, seed=1, method=method)


@pytest.mark.parametrize("model", MODELS)
def test_float_condition_fast_sampling_equals_naive(model):
    dist = make_distribution(
        model, "categorical", (HEIGHT, WIDTH, 1), HIGH, False, conditional_shape=(2,)
    )
    perturb_weights(dist, 0.3, seed=7)
    condition = np.random.default_rng(3).normal(size=(5, 2)).astype(np.float32)
    naive = dist.sample(5, seed=8, conditional_input=condition, method="naive")
    fast = dist.sample(5, seed=8, conditional_input=condition)
    np.testing.assert_array_equal(fast, naive)
