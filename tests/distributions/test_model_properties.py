"""The three properties every model × likelihood × grey/RGB × condition must have.

1. Exact normalization: `exp(log_prob)` summed over every image of a tiny
   domain is 1, after the weights are moved away from their initial values.
2. The autoregressive property, by gradients at initialization.
3. Samples follow `log_prob` (chi-square on a tiny domain).
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from harness import all_images, chi_square_p_value, perturb_weights
from model_zoo import NUM_CLASSES, all_cases, case_id, make_distribution

CASES = all_cases()
IDS = [case_id(c) for c in CASES]

# (image_shape, high) of the tiny domains: 4096 images each.
GREY_DOMAINS = [((3, 4, 1), 1), ((2, 3, 1), 3)]
RGB_DOMAINS = [((2, 2, 3), 1)]


def _labels_for(conditional):
    return list(range(NUM_CLASSES)) if conditional else [None]


def _total_log_mass(dist, images, label):
    condition = None if label is None else np.full(len(images), label, np.int32)
    log_prob = dist.log_prob(images, conditional_input=condition)
    return float(tf.reduce_logsumexp(tf.cast(log_prob, tf.float64)))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_exact_normalization(case):
    model, likelihood, channels, conditional = case
    domains = GREY_DOMAINS if channels == 1 else RGB_DOMAINS
    for image_shape, high in domains:
        dist = make_distribution(model, likelihood, image_shape, high, conditional)
        perturb_weights(dist, scale=0.3)
        images = all_images(image_shape, 0, high)
        for label in _labels_for(conditional):
            total = np.exp(_total_log_mass(dist, images, label))
            assert abs(total - 1.0) < 1e-4, (image_shape, high, label, total)


def _allowed_inputs(height, width, channels, groups):
    """allowed[i, j, g, i', j', c']: may group g at (i, j) see x[i', j', c']?"""
    allowed = np.zeros((height, width, groups, height, width, channels), bool)
    for i, j, g in np.ndindex(height, width, groups):
        for i2, j2 in np.ndindex(height, width):
            if (i2, j2) < (i, j):
                allowed[i, j, g, i2, j2, :] = True
        if groups > 1:  # channel c of the current pixel feeds groups > c
            allowed[i, j, g, i, j, :g] = True
    return allowed


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_autoregressive_by_gradients(case):
    model, likelihood, channels, conditional = case
    height, width = 4, 4
    dist = make_distribution(
        model, likelihood, (height, width, channels), 7, conditional
    )
    groups = dist.head.num_channel_groups
    assert groups == (channels if likelihood == "categorical" else 1)
    # Several random inputs, so a ReLU that happens to be off cannot hide a path.
    batch = 32
    x = tf.constant(
        np.random.default_rng(0).uniform(-1, 1, (batch, height, width, channels)),
        tf.float32,
    )
    inputs = [x] if not conditional else [x, tf.range(batch) % NUM_CLASSES]
    with tf.GradientTape() as tape:
        tape.watch(x)
        raw = dist.network(inputs)  # [B, H, W, P]
        per_group = tf.stack(
            [tf.reduce_sum(part, -1) for part in tf.split(raw, groups, axis=-1)], -1
        )  # [B, H, W, G]
    jacobian = tape.batch_jacobian(per_group, x).numpy()  # [B, H, W, G, H, W, C]
    jacobian = np.abs(jacobian).max(axis=0)
    depends = np.abs(jacobian) > 0
    allowed = _allowed_inputs(height, width, channels, groups)
    leaks = np.argwhere(depends & ~allowed)
    assert leaks.size == 0, f"outputs (i, j, g, i', j', c') see the future: {leaks[:5]}"
    # ... and they do see the past: the pixel to the left, the pixel above, and
    # for channel groups the earlier channels of the same pixel.
    for i, j, g in np.ndindex(height, width, groups):
        if j > 0:
            assert depends[i, j, g, i, j - 1].any(), (i, j, g, "left")
        if i > 0:
            assert depends[i, j, g, i - 1, j].any(), (i, j, g, "above")
        if g > 0:
            assert depends[i, j, g, i, j, :g].all(), (i, j, g, "earlier channels")
    assert not depends[0, 0, 0].any()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_chain_rule_terms_see_only_the_past(case):
    """Changing x[i', j', c'] leaves `pixel_log_prob` before (i', j', c') unchanged.

    Term (i, j, c) is `log p(x[i, j, c] | x before it)`: it may change with
    x[i, j, c] itself and with earlier values, never with later ones.
    """
    model, likelihood, channels, conditional = case
    height, width, high = 3, 3, 5
    dist = make_distribution(
        model, likelihood, (height, width, channels), high, conditional
    )
    perturb_weights(dist, 0.3)
    rng = np.random.default_rng(1)
    base = rng.integers(0, high + 1, (height, width, channels))
    positions = list(np.ndindex(height, width, channels))
    edited = np.repeat(base[None], len(positions), axis=0)
    for k, (i, j, c) in enumerate(positions):
        edited[k, i, j, c] = (base[i, j, c] + 1 + rng.integers(0, high)) % (high + 1)
    condition = 2 if conditional else None
    terms = dist.pixel_log_prob(
        np.concatenate([base[None], edited]), conditional_input=condition
    )
    terms = terms.numpy().reshape(len(positions) + 1, -1)  # raster order
    for k in range(len(positions)):
        unchanged = terms[1 + k, :k]
        np.testing.assert_allclose(unchanged, terms[0, :k], rtol=0, atol=1e-5)
        assert terms[1 + k, k] != terms[0, k]  # the edited value's own term moves


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_samples_follow_log_prob(case):
    model, likelihood, channels, conditional = case
    image_shape = (2, 2, 1) if channels == 1 else (1, 2, 3)
    high = 2 if channels == 1 else 1
    dist = make_distribution(model, likelihood, image_shape, high, conditional)
    perturb_weights(dist, scale=0.5)
    images = all_images(image_shape, 0, high)  # 81 or 64 outcomes
    label = 1 if conditional else None
    condition = None if label is None else np.full(len(images), label, np.int32)
    probs = np.exp(
        dist.log_prob(images, conditional_input=condition).numpy().astype(np.float64)
    )
    probs /= probs.sum()  # exact normalization is tested above; drop float32 rounding
    num = 6000
    sample_condition = None if label is None else [label]
    samples = dist.sample(num, seed=7, conditional_input=sample_condition).numpy()
    assert samples.shape == (num, *image_shape)
    levels = high + 1
    codes = np.zeros(num, np.int64)
    for value in samples.reshape(num, -1).T:  # same order as all_images
        codes = codes * levels + value.astype(np.int64)
    counts = np.bincount(codes, minlength=len(images)).astype(np.float64)
    assert chi_square_p_value(counts, probs) > 1e-3
    # The test can fail: the same counts against a shuffled law are rejected.
    wrong = np.roll(probs, 1)
    assert chi_square_p_value(counts, wrong) < 1e-3


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_completion_follows_conditional_law(case):
    """`complete` keeps the known rows and samples p(rest | known rows, h)."""
    model, likelihood, channels, conditional = case
    image_shape = (2, 2, 1) if channels == 1 else (2, 1, 3)
    high = 2 if channels == 1 else 1
    dist = make_distribution(model, likelihood, image_shape, high, conditional)
    perturb_weights(dist, scale=0.5)
    images = all_images(image_shape, 0, high)
    label = 2 if conditional else None
    condition = None if label is None else np.full(len(images), label, np.int32)
    log_prob = dist.log_prob(images, conditional_input=condition).numpy()
    known = images[len(images) // 3]  # some fixed first row
    same_top = np.all(images[:, :1] == known[:1], axis=(1, 2, 3))
    probs = np.exp(log_prob[same_top].astype(np.float64))
    probs /= probs.sum()  # p(second row | first row)
    num = 4000
    batch = np.repeat(known[None], num, axis=0)
    completed = dist.complete(
        batch, 1, conditional_input=None if label is None else [label], seed=3
    ).numpy()
    np.testing.assert_array_equal(completed[:, :1], batch[:, :1])
    levels = high + 1
    codes = np.zeros(num, np.int64)
    for value in completed[:, 1:].reshape(num, -1).T:
        codes = codes * levels + value.astype(np.int64)
    counts = np.bincount(codes, minlength=len(probs)).astype(np.float64)
    assert chi_square_p_value(counts, probs) > 1e-3
    assert chi_square_p_value(counts, np.roll(probs, 1)) < 1e-3
