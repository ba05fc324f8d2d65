"""Tests of `QuantizedCategorical` against scipy and explicit counts."""

import itertools

import numpy as np
import pytest
import scipy.special
import scipy.stats
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pixeldist.likelihoods.quantized_categorical import QuantizedCategorical

VALIDATION_ERRORS = (ValueError, tf.errors.InvalidArgumentError)


def all_values(num_channels, low, high):
    """Every pixel value `[V ** C, C]`, float64."""
    levels = range(low, high + 1)
    return np.array(list(itertools.product(levels, repeat=num_channels)), np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("low", [0, -3])
def test_log_prob_is_log_softmax_at_the_observed_values(dtype, low):
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, [4, 3, 6]).astype(dtype)  # [batch, C, L]
    x = rng.integers(low, low + 6, [5, 4, 3]).astype(dtype)  # [sample, batch, C]
    dist = QuantizedCategorical(logits, low=low)
    assert (dist.low, dist.high, dist.num_channels, dist.num_levels) == (
        low,
        low + 5,
        3,
        6,
    )
    index = (x - low).astype(int)[..., None]
    expected = np.take_along_axis(
        np.broadcast_to(scipy.special.log_softmax(logits, axis=-1), [5, 4, 3, 6]),
        index,
        axis=-1,
    )[..., 0]  # [5, 4, 3]
    from_tf = np.take_along_axis(
        np.broadcast_to(tf.nn.log_softmax(logits).numpy(), [5, 4, 3, 6]), index, -1
    )[..., 0]
    tolerance = {np.float32: 1e-6, np.float64: 1e-14}[dtype]
    terms = dist.channel_log_prob(x).numpy()
    assert terms.dtype == dtype and terms.shape == (5, 4, 3)
    np.testing.assert_allclose(terms, expected, rtol=tolerance, atol=tolerance)
    np.testing.assert_array_equal(terms, from_tf)
    np.testing.assert_allclose(
        dist.log_prob(x).numpy(), expected.sum(-1), rtol=tolerance, atol=tolerance
    )


def test_normalizes_over_every_value_with_extreme_logits():
    rng = np.random.default_rng(1)
    logits = rng.choice([-1e4, 0.0, 1e4, 3.0], [8, 3, 4])
    dist = QuantizedCategorical(logits, low=2)
    log_prob = dist.log_prob(all_values(3, 2, 5)[:, None, :]).numpy()  # [64, 8]
    assert np.all(np.isfinite(log_prob)) and log_prob.max() <= 1e-6
    np.testing.assert_allclose(np.exp(log_prob).sum(0), 1.0, rtol=0, atol=1e-6)


def test_sample_from_noise_is_the_inverse_cdf_per_channel():
    dist = QuantizedCategorical(np.log([[0.2, 0.3, 0.5], [0.5, 0.25, 0.25]]), low=-1)
    u = np.array([0.0, 0.19, 0.21, 0.49, 0.51, 0.74, 0.76, 0.99])
    noise = np.stack([np.full_like(u, 0.9), u, u[::-1]], axis=-1)  # [8, 3]
    values = dist.sample_from_noise(noise).numpy()
    np.testing.assert_array_equal(values[:, 0], [-1, -1, 0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(values[:, 1], [1, 1, 0, 0, -1, -1, -1, -1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_samples_are_integers_in_range_with_broadcast_shapes(dtype):
    rng = np.random.default_rng(2)
    dist = QuantizedCategorical(rng.normal(size=[4, 1, 3, 8]).astype(dtype), low=1)
    noise = rng.uniform(size=[2, 1, 5, 4])
    values = dist.sample_from_noise(noise).numpy()
    assert values.shape == (2, 4, 5, 3) and values.dtype == dtype
    np.testing.assert_array_equal(values, np.round(values))
    assert values.min() >= 1 and values.max() <= 8
    samples = dist.sample(6, seed=(1, 2))
    assert samples.shape == (6, 4, 1, 3) and samples.dtype == dtype
    np.testing.assert_array_equal(samples, dist.sample(6, seed=(1, 2)))


def chi_square_p_value(samples, probs, low, high, num_channels):
    """p-value of the sample counts of every value against `probs [V^C]`."""
    levels = high - low + 1
    index = np.zeros(len(samples), int)
    for c in range(num_channels):
        index = index * levels + (samples[:, c] - low).astype(int)
    counts = np.bincount(index, minlength=levels**num_channels)
    return scipy.stats.chisquare(counts, probs / probs.sum() * len(samples)).pvalue


@pytest.mark.parametrize("num_channels, low, high", [(1, 0, 4), (3, 0, 1)])
def test_sample_counts_pass_chi_square_and_wrong_law_fails(num_channels, low, high):
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 0.7, [num_channels, high - low + 1])
    dist = QuantizedCategorical(logits, low=low)
    samples = dist.sample(20000, seed=(5, 6)).numpy()
    x = all_values(num_channels, low, high)
    probs = np.exp(dist.log_prob(x).numpy())
    assert chi_square_p_value(samples, probs, low, high, num_channels) > 1e-3
    wrong = QuantizedCategorical(logits + np.linspace(0, 0.15, logits.shape[-1]), low)
    wrong_probs = np.exp(wrong.log_prob(x).numpy())
    assert chi_square_p_value(samples, wrong_probs, low, high, num_channels) < 1e-3


def test_log_prob_validates_values():
    dist = QuantizedCategorical(np.zeros([1, 5]), low=0)
    with pytest.raises(VALIDATION_ERRORS, match=r"outside \[low, high\]"):
        dist.log_prob([5.0])
    with pytest.raises(VALIDATION_ERRORS, match=r"outside \[low, high\]"):
        dist.log_prob([-1.0])
    with pytest.raises(VALIDATION_ERRORS, match="not integer-valued"):
        dist.log_prob([1.5])
    with pytest.raises(VALIDATION_ERRORS, match="not integer-valued"):
        dist.channel_log_prob([1.5])
    lenient = QuantizedCategorical(np.zeros([1, 5]), validate_args=False)
    assert lenient.log_prob([5.0]).numpy() == -np.inf


@pytest.mark.parametrize(
    "logits, low", [(np.zeros([5]), 0), (np.zeros([]), 0), (np.zeros([2, 5]), 0.5)]
)
def test_bad_constructor_arguments_raise_value_error(logits, low):
    with pytest.raises(ValueError):
        QuantizedCategorical(logits, low=low)


def test_batch_shape_and_parameter_properties():
    dist = QuantizedCategorical(np.zeros([2, 3, 1, 4]))
    assert dist.batch_shape == [2, 3] and dist.event_shape == [1]
    np.testing.assert_array_equal(dist.batch_shape_tensor(), [2, 3])
    np.testing.assert_array_equal(dist.event_shape_tensor(), [1])
    assert QuantizedCategorical.parameter_properties()["logits"].event_ndims == 2


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    logits=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=3),
        elements=st.one_of(st.floats(-20, 20), st.sampled_from([-1e4, 1e4])),
    ),
    low=st.integers(-3, 3),
    u=st.lists(st.floats(0, 1, exclude_max=True), min_size=4, max_size=4),
)
def test_property_log_softmax_normalized_and_samples_in_range(logits, low, u):
    num_channels, levels = logits.shape
    dist = QuantizedCategorical(logits, low=low)
    x = all_values(num_channels, low, low + levels - 1)  # [V^C, C]
    terms = dist.channel_log_prob(x).numpy()
    expected = scipy.special.log_softmax(logits, axis=-1)
    expected = expected[np.arange(num_channels), (x - low).astype(int)]
    np.testing.assert_allclose(terms, expected, rtol=1e-12, atol=1e-12)
    log_prob = dist.log_prob(x).numpy()
    assert log_prob.max() <= 1e-6
    np.testing.assert_allclose(np.exp(log_prob).sum(), 1.0, rtol=0, atol=1e-6)
    values = dist.sample_from_noise(np.array(u[: num_channels + 1])).numpy()
    np.testing.assert_array_equal(values, np.round(values))
    assert values.min() >= low and values.max() <= low + levels - 1
