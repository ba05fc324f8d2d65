"""Image completion and sampling temperature."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import tensorflow as tf
from harness import all_images, perturb_weights

import pixeldist

SHAPE = (3, 3, 1)


@pytest.fixture(scope="module")
def dist():
    model = pixeldist.PixelCNN(
        SHAPE, num_classes=2, high=4, num_layers=1, num_filters=8
    )
    perturb_weights(model, 0.5)
    return model


def test_completion_keeps_known_rows_and_shapes(dist):
    images = np.random.default_rng(0).integers(0, 5, (2, 3, *SHAPE))
    out = dist.complete(images, 2, conditional_input=[0, 1, 1], seed=1).numpy()
    assert out.shape == images.shape
    np.testing.assert_array_equal(out[..., :2, :, :], images[..., :2, :, :])
    assert np.all(out == np.round(out)) and out.min() >= 0 and out.max() <= 4
    everything = dist.complete(images, 3, conditional_input=[0, 1, 1], seed=1)
    np.testing.assert_array_equal(everything, images)


def test_completion_of_no_rows_is_sampling(dist):
    images = np.zeros((5, *SHAPE))
    completed = dist.complete(images, 0, conditional_input=[1], seed=9)
    sampled = dist.sample(5, conditional_input=[1], seed=9)
    np.testing.assert_array_equal(completed, sampled)


@pytest.mark.parametrize("rows", [-1, 4, 1.5, True])
def test_completion_rejects_bad_row_counts(dist, rows):
    with pytest.raises(ValueError, match="num_known_rows"):
        dist.complete(np.zeros((1, *SHAPE)), rows, conditional_input=[0])


def test_completion_validates_images(dist):
    with pytest.raises(ValueError, match=r"`images` has values outside"):
        dist.complete(np.full((1, *SHAPE), 7), 1, conditional_input=[0])


def test_temperature_one_is_the_model(dist):
    a = dist.sample(8, conditional_input=[1], seed=4)
    b = dist.sample(8, conditional_input=[1], seed=4, temperature=1.0)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("likelihood", ["categorical", "logistic_mixture"])
def test_temperature_tempers_the_pixel_law(likelihood):
    """For a one-pixel image the sampled law is the tempered head's law: logits
    divided by T (and, for the mixture, scales multiplied by T); for the
    categorical likelihood that is exactly softmax(logits / T) ∝ p^(1/T)."""
    one = pixeldist.PixelCNN(
        (1, 1, 1), likelihood=likelihood, high=4, num_layers=1, num_filters=4
    )
    perturb_weights(one, 1.0, seed=3)
    values = all_images((1, 1, 1), 0, 4)
    raw = one.network([tf.zeros((1, 1, 1, 1))])  # the first pixel sees no input
    tempered_law = one.head.distribution(raw, temperature=0.5)
    tempered = np.exp(tempered_law.log_prob(values).numpy().astype(np.float64))[:, 0, 0]
    if likelihood == "categorical":
        probs = np.exp(one.log_prob(values).numpy().astype(np.float64))
        np.testing.assert_allclose(tempered, probs**2 / np.sum(probs**2), rtol=1e-4)
    num = 4000
    cold = one.sample(num, seed=2, temperature=0.5).numpy().reshape(-1).astype(int)
    counts = np.bincount(cold, minlength=5)
    expected = tempered / tempered.sum() * num
    keep = expected > 5
    scaled = expected[keep] * counts[keep].sum() / expected[keep].sum()
    assert scipy.stats.chisquare(counts[keep], scaled).pvalue > 1e-3
    warm = np.bincount(
        one.sample(num, seed=2).numpy().reshape(-1).astype(int), minlength=5
    )
    assert scipy.stats.chisquare(warm[keep], scaled).pvalue < 1e-3  # T matters


def test_temperature_in_a_graph_does_not_retrace(dist):
    calls = []

    @tf.function
    def draw(temperature, seed):
        calls.append(1)
        return dist.sample(4, conditional_input=[0], seed=seed, temperature=temperature)

    draw(tf.constant(0.7), tf.constant([1, 2]))
    draw(tf.constant(1.3), tf.constant([3, 4]))
    assert len(calls) == 1
