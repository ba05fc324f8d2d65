"""Tests of `DiscretizedLogisticMixture` against TFP, scipy and explicit sums."""

import itertools

import numpy as np
import pytest
import scipy.special
import scipy.stats
import tensorflow as tf
import tensorflow_probability as tfp
from hypothesis import given, settings
from hypothesis import strategies as st

from pixeldist.likelihoods.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
    discretized_logistic_log_pmf,
)

tfd = tfp.distributions
tfb = tfp.bijectors

# The coupling pairs (c, j), j < c, in the documented order (G<-R, B<-R, B<-G).
PAIRS = [(1, 0), (2, 0), (2, 1)]
VALIDATION_ERRORS = (ValueError, tf.errors.InvalidArgumentError)


def all_values(num_channels, low, high):
    """Every pixel value `[V ** C, C]`, float64."""
    levels = range(low, high + 1)
    return np.array(list(itertools.product(levels, repeat=num_channels)), np.float64)


def random_params(rng, batch, k, c, low, high, extreme=False):
    """Random mixture parameters; `extreme` mixes in the stated extremes."""
    span = high - low
    logits = rng.normal(0, 2, [*batch, k])
    locs = rng.uniform(low - span, high + span, [*batch, k, c])
    scales = np.exp(rng.uniform(np.log(0.2), np.log(3 * span), [*batch, k, c]))
    coeffs = rng.uniform(-1, 1, [*batch, k, c * (c - 1) // 2])
    if extreme:
        pick = rng.integers(0, 3, logits.shape)
        logits = np.choose(pick, [logits, np.full_like(logits, 1e4), -1e4])
        pick = rng.integers(0, 4, locs.shape)
        locs = np.choose(pick, [locs, np.full_like(locs, 1e4), -1e4, low + 1.5])
        pick = rng.integers(0, 3, scales.shape)
        scales = np.choose(pick, [scales, np.full_like(scales, 1e-6), 1e6])
    return logits, locs, scales, coeffs


def explicit_log_prob(x, logits, locs, scales, coeffs, low, high):
    """log p(x) of one pixel by loops over components and channels (scipy).

    The direct difference of sigmoids is accurate to ~1e-16 absolute, so this
    oracle is only compared where the probability is well above that.
    """
    weights = scipy.special.softmax(logits)
    centre = (low + high) / 2
    total = 0.0
    for k in range(len(logits)):
        prob = weights[k]
        for c in range(len(x)):
            mu = locs[k, c]
            for j in range(c):
                mu += coeffs[k, PAIRS.index((c, j))] * (x[j] - centre)
            a = (x[c] - 0.5 - mu) / scales[k, c]
            b = (x[c] + 0.5 - mu) / scales[k, c]
            if x[c] == low:
                prob *= scipy.special.expit(b)
            elif x[c] == high:
                prob *= scipy.special.expit(-a)
            else:
                prob *= scipy.special.expit(b) - scipy.special.expit(a)
        total += prob
    return np.log(total)


def tfp_channel_law(loc, scale, low, high):
    """TFP's own discretized logistic: mass of (v - 1, v] of L - 1/2 on v."""
    shifted = tfd.TransformedDistribution(
        tfd.Logistic(loc, scale), tfb.Shift(np.float64(-0.5))
    )
    return tfd.QuantizedDistribution(shifted, low=low, high=high)


@pytest.mark.parametrize("low, high", [(0, 15), (-3, 9)])
def test_grey_matches_tfp_mixture_same_family(low, high):
    rng = np.random.default_rng(0)
    logits, locs, scales, _ = random_params(rng, [6], 5, 1, low, high)
    oracle = tfd.MixtureSameFamily(
        tfd.Categorical(logits=logits),
        tfp_channel_law(locs[..., 0], scales[..., 0], low, high),
    )
    dist = DiscretizedLogisticMixture(logits, locs, scales, low=low, high=high)
    x = all_values(1, low, high)[:, None, :]  # [V, 1, 1]
    expected = oracle.log_prob(x[..., 0]).numpy()  # [V, 6]
    accurate = expected > -20  # where TFP's difference of CDFs is accurate
    assert accurate.mean() > 0.5
    np.testing.assert_allclose(
        dist.log_prob(x).numpy()[accurate], expected[accurate], rtol=0, atol=1e-6
    )


def test_rgb_matches_tfp_per_channel_construction():
    low, high, k = 0, 5, 3
    rng = np.random.default_rng(1)
    logits, locs, scales, coeffs = random_params(rng, [2], k, 3, low, high)
    x = all_values(3, low, high)[:, None, :]  # [V^3, 1, 3]
    centre = (low + high) / 2
    log_joint = scipy.special.log_softmax(logits, axis=-1)  # [2, K]
    for c in range(3):
        mu = locs[..., c]  # [2, K]
        for j in range(c):
            mu = mu + coeffs[..., PAIRS.index((c, j))] * (x[..., j, None] - centre)
        law = tfp_channel_law(mu, scales[..., c], low, high)  # batch [V^3, 2, K]
        log_joint = log_joint + law.log_prob(x[..., c, None]).numpy()
    expected = scipy.special.logsumexp(log_joint, axis=-1)  # [V^3, 2]
    dist = DiscretizedLogisticMixture(logits, locs, scales, coeffs, low, high)
    accurate = expected > -20
    assert accurate.mean() > 0.5
    np.testing.assert_allclose(
        dist.log_prob(x).numpy()[accurate], expected[accurate], rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("num_channels", [1, 2, 3])
def test_matches_explicit_loop_over_components_and_channels(num_channels):
    low, high = 0, 5
    rng = np.random.default_rng(2)
    params = random_params(rng, [3], 4, num_channels, low, high)
    dist = DiscretizedLogisticMixture(*params, low=low, high=high)
    x = all_values(num_channels, low, high)  # [V^C, C]
    actual = dist.log_prob(x[:, None, :]).numpy()  # [V^C, 3]
    for b in range(3):
        expected = [explicit_log_prob(v, *(p[b] for p in params), low, high) for v in x]
        accurate = np.exp(expected) > 1e-8
        np.testing.assert_allclose(
            actual[accurate, b], np.array(expected)[accurate], rtol=0, atol=1e-7
        )


def test_pmf_function_edges_and_support():
    """Edge bins collect the tails; values outside [low, high] have -inf."""
    loc, scale = 1.3, 0.7
    x = np.arange(-1.0, 6.0)  # low=0, high=4
    cdf = scipy.stats.logistic(loc, scale).cdf
    expected = np.array(
        [0.0, cdf(0.5), cdf(1.5) - cdf(0.5), cdf(2.5) - cdf(1.5)]
        + [cdf(3.5) - cdf(2.5), 1 - cdf(3.5), 0.0]
    )
    actual = discretized_logistic_log_pmf(x, loc, scale, 0, 4).numpy()
    np.testing.assert_allclose(np.exp(actual), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("num_channels, low, high", [(1, -2, 5), (3, 0, 3)])
@pytest.mark.parametrize("extreme", [False, True])
def test_normalizes_over_every_value(num_channels, low, high, extreme):
    rng = np.random.default_rng(3)
    params = random_params(rng, [16], 3, num_channels, low, high, extreme)
    dist = DiscretizedLogisticMixture(*params, low=low, high=high)
    x = all_values(num_channels, low, high)[:, None, :]  # [V^C, 1, C]
    total = np.exp(dist.log_prob(x).numpy()).sum(axis=0)  # [16]
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("num_channels", [1, 3])
def test_extreme_parameters_give_finite_values_and_gradients(dtype, num_channels):
    low, high = 0, 3
    rng = np.random.default_rng(4)
    params = random_params(rng, [32], 3, num_channels, low, high, extreme=True)
    params = [tf.constant(p.astype(dtype)) for p in params]
    x = all_values(num_channels, low, high)[:, None, :].astype(dtype)
    with tf.GradientTape() as tape:
        tape.watch(params)
        log_prob = DiscretizedLogisticMixture(*params, low=low, high=high).log_prob(x)
    grads = tape.gradient(log_prob, params)
    assert np.all(np.isfinite(log_prob.numpy()))
    assert log_prob.numpy().max() <= 1e-6
    for name, grad in zip(["logits", "locs", "scales", "coeffs"], grads, strict=True):
        if num_channels == 1 and name == "coeffs":
            continue  # [.., K, 0]: nothing to differentiate
        assert grad is not None, name
        assert np.all(np.isfinite(grad.numpy())), name


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    params = [tf.constant(p) for p in random_params(rng, [2], 3, 3, 0, 7)]
    x = tf.constant([[0.0, 4.0, 7.0], [3.0, 3.0, 2.0]])

    def log_prob(*args):
        return DiscretizedLogisticMixture(*args, low=0, high=7).log_prob(x)

    analytic, numeric = tf.test.compute_gradient(log_prob, params, delta=1e-6)
    for a, n in zip(analytic, numeric, strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7)


def test_channel_log_prob_is_the_chain_rule():
    """Term c is log p(x_<=c) - log p(x_<c), marginals summed explicitly."""
    low, high = 0, 3
    rng = np.random.default_rng(6)
    params = random_params(rng, [4], 3, 3, low, high)
    dist = DiscretizedLogisticMixture(*params, low=low, high=high)
    x = all_values(3, low, high)  # [64, 3]
    joint = np.exp(dist.log_prob(x[:, None, :]).numpy()).reshape(4, 4, 4, 4)
    marginal_r = np.log(joint.sum(axis=(1, 2)))  # [R, batch]
    marginal_rg = np.log(joint.sum(axis=2))  # [R, G, batch]
    terms = dist.channel_log_prob(x[:, None, :]).numpy()  # [64, 4, 3]
    r, g, _ = x.astype(int).T
    np.testing.assert_allclose(terms[..., 0], marginal_r[r], rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        terms[..., 1], marginal_rg[r, g] - marginal_r[r], rtol=0, atol=1e-9
    )
    np.testing.assert_allclose(
        terms.sum(-1), dist.log_prob(x[:, None, :]).numpy(), rtol=0, atol=1e-5
    )


def test_sample_from_noise_picks_component_by_inverse_cdf():
    """Tiny scales make each component's value its location."""
    dist = DiscretizedLogisticMixture(
        logits=np.log([0.2, 0.3, 0.5]),
        locs=[[0.0], [2.0], [4.0]],
        scales=[[1e-3], [1e-3], [1e-3]],
        low=0,
        high=4,
    )
    u = np.array([0.0, 0.1, 0.19, 0.21, 0.49, 0.51, 0.99])
    noise = np.stack([u, np.full_like(u, 0.5)], axis=-1)  # [7, 2]
    values = dist.sample_from_noise(noise).numpy()[:, 0]
    np.testing.assert_array_equal(values, [0, 0, 0, 2, 2, 4, 4])


def test_sample_from_noise_is_the_logistic_quantile_with_coupling():
    low, high = 0, 255
    locs = np.array([[100.3, 50.0, 200.0]])  # [K=1, C]
    scales = np.array([[3.0, 5.0, 2.0]])
    coeffs = np.array([[0.5, -0.25, 0.75]])  # G<-R, B<-R, B<-G
    dist = DiscretizedLogisticMixture([0.0], locs, scales, coeffs, low, high)
    u = np.random.default_rng(7).uniform(size=[50, 4])
    values = dist.sample_from_noise(u).numpy()  # [50, 3]
    expected = np.zeros([50, 3])
    for c in range(3):
        mu = locs[0, c]
        for j in range(c):
            mu = mu + coeffs[0, PAIRS.index((c, j))] * (expected[:, j] - 127.5)
        y = mu + scales[0, c] * scipy.special.logit(u[:, 1 + c])
        expected[:, c] = np.clip(np.floor(y + 0.5), low, high)
    np.testing.assert_array_equal(values, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_samples_are_integers_in_range_with_broadcast_shapes(dtype):
    rng = np.random.default_rng(8)
    params = random_params(rng, [4, 1], 3, 3, 0, 7, extreme=True)
    params = [p.astype(dtype) for p in params]
    dist = DiscretizedLogisticMixture(*params, low=0, high=7)
    noise = rng.uniform(size=[2, 1, 5, 4])
    values = dist.sample_from_noise(noise).numpy()
    assert values.shape == (2, 4, 5, 3) and values.dtype == dtype
    np.testing.assert_array_equal(values, np.round(values))
    assert values.min() >= 0 and values.max() <= 7
    np.testing.assert_array_equal(values, dist.sample_from_noise(noise).numpy())
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
    logits = np.array([0.5, -0.3])
    locs = np.array([[1.0, 0.2, 0.9], [3.2, 0.8, 0.1]])[:, :num_channels]
    scales = np.array([[0.8, 0.5, 0.4], [1.5, 0.6, 0.5]])[:, :num_channels]
    coeffs = np.array([[0.6, -0.5, 0.4], [-0.7, 0.3, 0.8]])[
        :, : num_channels * (num_channels - 1) // 2
    ]
    dist = DiscretizedLogisticMixture(logits, locs, scales, coeffs, low, high)
    samples = dist.sample(20000, seed=(3, 4)).numpy()
    x = all_values(num_channels, low, high)
    probs = np.exp(dist.log_prob(x).numpy())
    assert chi_square_p_value(samples, probs, low, high, num_channels) > 1e-3
    wrong = DiscretizedLogisticMixture(logits, locs + 0.15, scales, coeffs, low, high)
    wrong_probs = np.exp(wrong.log_prob(x).numpy())
    assert chi_square_p_value(samples, wrong_probs, low, high, num_channels) < 1e-3


def test_batch_shape_broadcasts_and_slices():
    rng = np.random.default_rng(9)
    dist = DiscretizedLogisticMixture(
        logits=rng.normal(size=[2, 1, 4]),
        locs=rng.uniform(0, 255, [3, 4, 3]),
        scales=rng.uniform(1, 50, [1, 4, 3]),
        coeffs=rng.uniform(-1, 1, [4, 3]),
    )
    assert dist.batch_shape == [2, 3] and dist.event_shape == [3]
    np.testing.assert_array_equal(dist.batch_shape_tensor(), [2, 3])
    np.testing.assert_array_equal(dist.event_shape_tensor(), [3])
    assert (dist.num_components, dist.num_channels) == (4, 3)
    assert dist.log_prob(np.zeros([5, 1, 1, 3])).shape == [5, 2, 3]
    x = rng.integers(0, 256, [2, 3, 3]).astype(float)
    sliced = dist[1:, 0]
    assert sliced.batch_shape == [1]
    np.testing.assert_array_equal(sliced.log_prob(x[1:, 0]), dist.log_prob(x)[1:, 0])
    properties = DiscretizedLogisticMixture.parameter_properties()
    event_ndims = {name: p.event_ndims for name, p in properties.items()}
    assert event_ndims == dict(logits=1, locs=2, scales=2, coeffs=2)


def test_log_prob_validates_values():
    dist = DiscretizedLogisticMixture([0.0], [[1.0]], [[1.0]], low=0, high=4)
    with pytest.raises(VALIDATION_ERRORS, match=r"outside \[low, high\]"):
        dist.log_prob([5.0])
    with pytest.raises(VALIDATION_ERRORS, match=r"outside \[low, high\]"):
        dist.log_prob([-1.0])
    with pytest.raises(VALIDATION_ERRORS, match="not integer-valued"):
        dist.log_prob([1.5])
    with pytest.raises(VALIDATION_ERRORS, match="not integer-valued"):
        dist.channel_log_prob([1.5])
    lenient = DiscretizedLogisticMixture(
        [0.0], [[1.0]], [[1.0]], low=0, high=4, validate_args=False
    )
    assert lenient.log_prob([5.0]).numpy() == -np.inf


def test_nonpositive_scales_raise_at_construction_and_after_assignment():
    with pytest.raises(VALIDATION_ERRORS, match="scales"):
        DiscretizedLogisticMixture([0.0, 0.0], [[1.0], [2.0]], [[1.0], [0.0]])
    scales = tf.Variable([[1.0], [2.0]])
    dist = DiscretizedLogisticMixture([0.0, 0.0], [[1.0], [2.0]], scales, low=0)
    dist.log_prob([1.0])
    scales.assign([[1.0], [-2.0]])
    with pytest.raises(VALIDATION_ERRORS, match="scales"):
        dist.log_prob([1.0])


def test_dynamic_number_of_components_is_checked_at_run_time():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float64)] * 2)
    def log_prob(logits, locs):
        locs = locs[:, tf.newaxis]  # [K, 1]
        return DiscretizedLogisticMixture(logits, locs, tf.ones_like(locs)).log_prob(
            [3.0]
        )

    assert np.isfinite(log_prob(np.zeros(2), np.zeros(2)).numpy())
    with pytest.raises(VALIDATION_ERRORS, match="number of components"):
        log_prob(np.zeros(3), np.zeros(2))


@pytest.mark.parametrize(
    "logits, locs, scales, coeffs, low, high",
    [
        (np.zeros([3]), np.zeros([2, 1]), np.ones([2, 1]), None, 0, 4),  # K
        (np.zeros([2]), np.zeros([2, 1]), np.ones([3, 1]), None, 0, 4),  # K
        (np.zeros([2]), np.zeros([2, 3]), np.ones([2, 2]), None, 0, 4),  # C
        (np.zeros([2]), np.zeros([2, 3]), np.ones([2, 3]), np.zeros([2, 2]), 0, 4),
        (np.zeros([2]), np.zeros([2, 3]), np.ones([2, 3]), np.zeros([1, 3]), 0, 4),
        (np.zeros([2]), np.zeros([2]), np.ones([2]), None, 0, 4),  # rank
        (np.zeros([2, 2]), np.zeros([3, 2, 1]), np.ones([2, 1]), None, 0, 4),
        (np.zeros([2]), np.zeros([2, 1]), np.ones([2, 1]), None, 4, 4),  # high
        (np.zeros([2]), np.zeros([2, 1]), np.ones([2, 1]), None, 0.5, 4),
    ],
)
def test_inconsistent_parameters_raise_value_error(
    logits, locs, scales, coeffs, low, high
):
    with pytest.raises(ValueError):
        DiscretizedLogisticMixture(logits, locs, scales, coeffs, low, high)


@st.composite
def mixtures(draw):
    """Random mixtures, including the extreme parameters, float64."""
    k = draw(st.integers(1, 3))
    c = draw(st.integers(1, 3))
    low = draw(st.integers(-3, 3))
    high = low + draw(st.integers(1, 3))

    def array(shape, moderate, extremes):
        size = int(np.prod(shape))
        values = st.one_of(moderate, st.sampled_from(extremes))
        return np.reshape(draw(st.lists(values, min_size=size, max_size=size)), shape)

    real = st.floats(-10, 10)
    logits = array([k], real, [-1e4, 1e4])
    locs = array([k, c], st.floats(low - 5, high + 5), [-1e4, 1e4])
    scales = array([k, c], st.floats(1e-3, 1e3), [1e-6, 1e6])
    coeffs = array([k, c * (c - 1) // 2], st.floats(-1, 1), [-1.0, 1.0])
    return logits, locs, scales, coeffs, low, high


@settings(max_examples=30, deadline=None, derandomize=True)
@given(params=mixtures(), u=st.lists(st.floats(0, 1, exclude_max=True), min_size=4))
def test_property_normalized_bounded_and_samples_in_range(params, u):
    logits, locs, scales, coeffs, low, high = params
    c = locs.shape[-1]
    dist = DiscretizedLogisticMixture(logits, locs, scales, coeffs, low, high)
    log_prob = dist.log_prob(all_values(c, low, high)).numpy()
    assert np.all(np.isfinite(log_prob)) and log_prob.max() <= 1e-6
    np.testing.assert_allclose(np.exp(log_prob).sum(), 1.0, rtol=0, atol=1e-6)
    values = dist.sample_from_noise(np.array(u[: c + 1])).numpy()
    np.testing.assert_array_equal(values, np.round(values))
    assert values.min() >= low and values.max() <= high
