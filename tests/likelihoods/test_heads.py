"""Tests of the heads' output layouts, activations and dtypes."""

import numpy as np
import pytest
import scipy.special
import tensorflow as tf

from pixeldist.likelihoods.categorical_head import CategoricalHead
from pixeldist.likelihoods.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
)
from pixeldist.likelihoods.logistic_mixture_head import LogisticMixtureHead
from pixeldist.likelihoods.quantized_categorical import QuantizedCategorical


@pytest.mark.parametrize(
    "num_channels, num_mix, expected", [(1, 5, 15), (3, 10, 100), (3, 1, 10)]
)
def test_logistic_mixture_num_outputs(num_channels, num_mix, expected):
    head = LogisticMixtureHead(num_channels, num_mix, 0, 255)
    assert head.num_outputs == expected and head.num_channel_groups == 1


@pytest.mark.parametrize(
    "num_channels, low, high, expected", [(1, 0, 255, 256), (3, 0, 255, 768)]
)
def test_categorical_num_outputs(num_channels, low, high, expected):
    head = CategoricalHead(num_channels, low, high)
    assert head.num_outputs == expected
    assert head.num_channel_groups == num_channels


def expected_mixture_params(raw, k, c, low, high, min_scale, temperature):
    """The documented layout, read one index at a time."""
    p = c * (c - 1) // 2
    centre, half = (low + high) / 2, (high - low) / 2
    logits = np.zeros([k])
    locs, scales, coeffs = np.zeros([k, c]), np.zeros([k, c]), np.zeros([k, p])
    for i in range(k):
        logits[i] = raw[i] / temperature
        for j in range(c):
            locs[i, j] = centre + half * raw[k + i * c + j]
            softplus = np.logaddexp(0, raw[k + k * c + i * c + j])
            scales[i, j] = (half * softplus + min_scale) * temperature
        for j in range(p):
            coeffs[i, j] = np.tanh(raw[k + 2 * k * c + i * p + j])
    return logits, locs, scales, coeffs


@pytest.mark.parametrize("num_channels", [1, 3])
@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_logistic_mixture_layout(num_channels, temperature):
    k, low, high, min_scale = 4, -2, 9, 0.03
    head = LogisticMixtureHead(num_channels, k, low, high, min_scale=min_scale)
    raw = np.random.default_rng(0).normal(size=[2, 3, head.num_outputs])
    dist = head.distribution(raw, temperature=temperature)
    assert isinstance(dist, DiscretizedLogisticMixture)
    assert dist.batch_shape == [2, 3] and dist.event_shape == [num_channels]
    assert (dist.low, dist.high, dist.validate_args) == (low, high, False)
    expected = expected_mixture_params(
        raw[1, 2], k, num_channels, low, high, min_scale, temperature
    )
    actual = [dist.logits, dist.locs, dist.scales, dist.coeffs]
    names = ["logits", "locs", "scales", "coeffs"]
    for name, a, e in zip(names, actual, expected, strict=True):
        if num_channels == 1 and name == "coeffs":
            assert a is None
            continue
        np.testing.assert_allclose(a[1, 2], e, rtol=1e-12, atol=0, err_msg=name)


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_categorical_layout(temperature):
    head = CategoricalHead(3, 1, 4)  # L = 4
    raw = np.random.default_rng(1).normal(size=[2, head.num_outputs])
    dist = head.distribution(raw, temperature=temperature)
    assert isinstance(dist, QuantizedCategorical)
    assert (dist.low, dist.high, dist.validate_args) == (1, 4, False)
    assert dist.batch_shape == [2] and dist.event_shape == [3]
    for c in range(3):
        for level in range(4):
            np.testing.assert_allclose(
                dist.logits[1, c, level], raw[1, c * 4 + level] / temperature
            )


def test_temperature_one_is_exactly_the_plain_head():
    raw = tf.constant(np.random.default_rng(2).normal(size=[5, 10 * 10]), tf.float32)
    head = LogisticMixtureHead(3, 10, 0, 255)
    plain, warm = head.distribution(raw), head.distribution(raw, temperature=1.0)
    for name in ["logits", "locs", "scales", "coeffs"]:
        np.testing.assert_array_equal(getattr(plain, name), getattr(warm, name))
    x = tf.constant(np.random.default_rng(3).integers(0, 256, [5, 3]), tf.float32)
    np.testing.assert_array_equal(plain.log_prob(x), warm.log_prob(x))
    categorical = CategoricalHead(3, 0, 255)
    raw = tf.random.stateless_normal([5, categorical.num_outputs], seed=(1, 2))
    np.testing.assert_array_equal(
        categorical.distribution(raw).log_prob(x),
        categorical.distribution(raw, temperature=1.0).log_prob(x),
    )


def test_temperature_sharpens_the_laws():
    """Below 1 the likeliest value gets likelier; above 1 it gets less likely."""
    raw = np.random.default_rng(4).normal(size=[40])
    head = CategoricalHead(1, 0, 39)
    probs = {
        t: np.exp(head.distribution(raw, temperature=t).logits[0].numpy())
        for t in [0.5, 1.0, 2.0]
    }
    probs = {t: p / p.sum() for t, p in probs.items()}
    mode = np.argmax(raw)
    assert probs[0.5][mode] > probs[1.0][mode] > probs[2.0][mode]
    np.testing.assert_allclose(probs[1.0], scipy.special.softmax(raw), rtol=1e-12)


@pytest.mark.parametrize("raw_dtype", [tf.float16, tf.bfloat16, tf.float32])
def test_low_precision_raw_gives_float32_distributions(raw_dtype):
    mixture = LogisticMixtureHead(3, 2, 0, 255)
    categorical = CategoricalHead(3, 0, 255)
    for head in [mixture, categorical]:
        raw = tf.cast(
            tf.random.stateless_normal([4, head.num_outputs], (1, 2)), raw_dtype
        )
        dist = head.distribution(raw, temperature=0.8)
        assert dist.dtype == tf.float32
        log_prob = dist.log_prob(tf.fill([4, 3], 100.0))
        assert log_prob.dtype == tf.float32
        assert np.all(np.isfinite(log_prob.numpy()))


def test_float64_stays_float64():
    for head in [LogisticMixtureHead(3, 2, 0, 255), CategoricalHead(3, 0, 255)]:
        raw = np.zeros([4, head.num_outputs], np.float64)
        assert head.distribution(raw).dtype == tf.float64


def test_min_scale_is_the_floor_of_the_scales():
    head = LogisticMixtureHead(1, 2, 0, 255, min_scale=0.05)
    raw = np.full([1, head.num_outputs], -1e3)  # softplus(-1e3) = 0
    np.testing.assert_allclose(head.distribution(raw).scales, 0.05, rtol=1e-12)


def test_wrong_number_of_raw_outputs_raises():
    with pytest.raises(ValueError, match="raw outputs"):
        LogisticMixtureHead(3, 2, 0, 255).distribution(np.zeros([4, 19]))
    with pytest.raises(ValueError, match="raw outputs"):
        CategoricalHead(3, 0, 255).distribution(np.zeros([4, 767]))


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        (dict(num_channels=0, num_mix=5, low=0, high=255), "num_channels"),
        (dict(num_channels=3, num_mix=0, low=0, high=255), "num_mix"),
        (dict(num_channels=3, num_mix=5, low=0, high=0), "high"),
        (dict(num_channels=3, num_mix=5, low=0, high=255, min_scale=0), "min_scale"),
    ],
)
def test_logistic_mixture_head_validates_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        LogisticMixtureHead(**kwargs)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        (dict(num_channels=0, low=0, high=255), "num_channels"),
        (dict(num_channels=3, low=5, high=5), "high"),
    ],
)
def test_categorical_head_validates_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        CategoricalHead(**kwargs)


def test_heads_work_inside_tf_function():
    """The samplers build the laws inside `tf.while_loop` graphs."""
    for head in [LogisticMixtureHead(3, 2, 0, 255), CategoricalHead(3, 0, 255)]:

        @tf.function
        def sample(raw, noise, head=head):
            return head.distribution(raw).sample_from_noise(noise)

        raw = tf.random.stateless_normal([2, 4, 4, head.num_outputs], (1, 2))
        noise = tf.random.stateless_uniform([2, 4, 4, 4], (3, 4))
        eager = head.distribution(raw).sample_from_noise(noise)
        np.testing.assert_array_equal(sample(raw, noise), eager)
