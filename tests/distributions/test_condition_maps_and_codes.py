"""Condition maps (`conditional_shape=(h, w, c)`) and code inputs
(`input_encoding="one_hot"`) pass the property suite of every model.

For every model: a grey categorical and an RGB logistic-mixture model
conditioned on a map (half the image's resolution where it halves, so the
map is up-sampled), and an RGB categorical model reading one-hot codes.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from harness import (
    all_images,
    assert_incremental_network_matches,
    chi_square_p_value,
    perturb_weights,
    run_model_saving_test,
)
from model_zoo import MODEL_FACTORIES, condition_values, make_distribution

import pixeldist

VARIANTS = {
    "map-categorical-grey": ("categorical", 1, "map", "scaled"),
    "map-logistic_mixture-rgb": ("logistic_mixture", 3, "map", "scaled"),
    "one_hot-categorical-rgb": ("categorical", 3, False, "one_hot"),
}
CASES = [(model, variant) for model in MODEL_FACTORIES for variant in VARIANTS]
IDS = [f"{model}-{variant}" for model, variant in CASES]


def _model(model, variant, image_shape, high, perturb=0.2):
    likelihood, channels, conditional, encoding = VARIANTS[variant]
    dist = make_distribution(
        model,
        likelihood,
        (*image_shape, channels),
        high,
        conditional,
        input_encoding=encoding,
    )
    perturb_weights(dist, perturb)
    return dist


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_exact_normalization_for_several_condition_values(case):
    model, variant = case
    channels = VARIANTS[variant][1]
    image_shape, high = ((2, 3), 3) if channels == 1 else ((2, 2), 1)
    dist = _model(model, variant, image_shape, high)
    images = all_images(dist.image_shape, 0, high)
    for seed in range(3 if dist.is_conditional else 1):
        condition = condition_values(dist, 1, seed)
        log_prob = dist.log_prob(images, conditional_input=condition)
        total = float(tf.reduce_logsumexp(tf.cast(log_prob, tf.float64)))
        assert abs(np.exp(total) - 1.0) < 1e-4, (seed, np.exp(total))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_condition_or_the_codes_change_log_prob(case):
    model, variant = case
    dist = _model(model, variant, (4, 4), 3)
    images = np.random.default_rng(1).integers(0, 4, (2, *dist.image_shape))
    if dist.is_conditional:
        first, second = condition_values(dist, 2, 0), condition_values(dist, 2, 1)
        a = dist.log_prob(images, conditional_input=first)
        b = dist.log_prob(images, conditional_input=second)
        assert np.all(np.abs(a - b) > 1e-3)
    else:  # codes: values 1 and 2 are not neighbours on a scale, only codes
        swapped = np.where(images == 1, 2, np.where(images == 2, 1, images))
        assert not np.allclose(dist.log_prob(images), dist.log_prob(swapped))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_autoregressive_by_gradients(case):
    """Group g of pixel (i, j) sees earlier pixels and channels < g of its own,
    whatever the condition map says."""
    model, variant = case
    dist = _model(model, variant, (4, 4), 3, perturb=0.0)
    height, width, _ = dist.image_shape
    groups = dist.head.num_channel_groups
    batch = 32
    # Any real inputs: the network's dependencies, not one-hot patterns, matter.
    x = tf.constant(
        np.random.default_rng(0).uniform(-1, 1, (batch, *dist.network_input_shape)),
        tf.float32,
    )  # [B, H, W, C'] network input
    condition = condition_values(dist, batch)
    inputs = [x] if condition is None else [x, tf.constant(condition)]
    with tf.GradientTape() as tape:
        tape.watch(x)
        raw = dist.network(inputs)
        per_group = tf.stack(
            [tf.reduce_sum(part, -1) for part in tf.split(raw, groups, axis=-1)], -1
        )  # [B, H, W, G]
    jacobian = np.abs(tape.batch_jacobian(per_group, x).numpy()).max(axis=0)
    channels = x.shape[-1]  # C, or C·L codes grouped by channel
    input_group = np.arange(channels) * dist.image_shape[-1] // channels
    for i, j, g in np.ndindex(height, width, groups):
        seen = jacobian[i, j, g] > 0  # [H, W, C']
        later = np.zeros_like(seen)
        later[i, j + 1 :] = True
        later[i + 1 :] = True
        later[i, j] = input_group >= (g if groups > 1 else 0)
        assert not (seen & later).any(), (i, j, g)
        if j > 0:
            assert seen[i, j - 1].any(), (i, j, g, "left")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fast_sampling_equals_naive_and_steps_reproduce_the_network(case):
    model, variant = case
    dist = _model(model, variant, (4, 4), 3)
    rng = np.random.default_rng(2)
    images = rng.integers(0, 4, (3, *dist.image_shape))
    condition = condition_values(dist, 3)
    assert_incremental_network_matches(
        dist,
        images,
        None if condition is None else tf.constant(condition),
        rng,
        1e-5,
    )
    condition = condition_values(dist, 5, seed=4)
    if condition is not None:  # a moderate map keeps the samples varied
        condition = 0.2 * condition
    fast = dist.sample(5, seed=6, conditional_input=condition).numpy()
    naive = dist.sample(5, seed=6, conditional_input=condition, method="naive")
    np.testing.assert_array_equal(fast, naive)
    assert len(np.unique(fast)) > 2


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_samples_follow_log_prob(case):
    model, variant = case
    channels = VARIANTS[variant][1]
    image_shape, high = ((2, 2), 2) if channels == 1 else ((1, 2), 1)
    dist = _model(model, variant, image_shape, high)
    images = all_images(dist.image_shape, 0, high)
    condition = condition_values(dist, 1, seed=5)
    if condition is not None:  # a moderate map keeps the law far from a point
        condition = 0.2 * condition
    probs = np.exp(
        dist.log_prob(images, conditional_input=condition).numpy().astype(np.float64)
    )
    probs /= probs.sum()
    num = 6000
    samples = dist.sample(num, seed=7, conditional_input=condition).numpy()
    codes = np.zeros(num, np.int64)
    for value in samples.reshape(num, -1).T:  # the order of all_images
        codes = codes * (high + 1) + value.astype(np.int64)
    counts = np.bincount(codes, minlength=len(images)).astype(np.float64)
    assert probs.max() < 0.9  # a law worth testing
    assert chi_square_p_value(counts, probs) > 1e-3
    assert chi_square_p_value(counts, np.roll(probs, 1)) < 1e-3


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_save_load_round_trip(case, tmp_path):
    model, variant = case
    dist = _model(model, variant, (4, 4), 3)
    images = np.random.default_rng(0).integers(0, 4, (3, *dist.image_shape))
    condition = condition_values(dist, 3)

    def log_prob(m):
        return m.distribution.log_prob(images, conditional_input=condition)

    density = pixeldist.DensityModel(dist)
    loaded = run_model_saving_test(density, None, tmp_path, compare_fn=log_prob)
    assert loaded.distribution.input_encoding == dist.input_encoding
    assert loaded.distribution.conditional_shape == dist.conditional_shape


def test_condition_maps_broadcast_like_labels():
    dist = _model("pixelcnn", "map-categorical-grey", (4, 4), 3)
    one_map = condition_values(dist, 1)[0]  # [h, w, c]
    images = np.random.default_rng(3).integers(0, 4, (2, 3, 4, 4, 1))
    log_prob = dist.log_prob(images, conditional_input=one_map)
    assert log_prob.shape == (2, 3)
    per_image = dist.log_prob(
        images, conditional_input=np.broadcast_to(one_map, (2, 3, *one_map.shape))
    )
    np.testing.assert_allclose(log_prob, per_image, rtol=1e-6)
    assert dist.sample(4, seed=1, conditional_input=one_map).shape == (4, 4, 4, 1)
    maps = condition_values(dist, 4)
    assert dist.sample(4, seed=1, conditional_input=maps).shape == (4, 4, 4, 1)
    with pytest.raises(ValueError, match="broadcast"):
        dist.sample(3, seed=1, conditional_input=maps)


@pytest.mark.parametrize(
    "shape, message",
    [
        ((3, 2, 1), "must be \\(h, w, c\\) with h dividing the image height 4"),
        ((2, 3, 1), "w dividing its width 4"),
    ],
)
def test_maps_that_do_not_divide_the_image_are_refused_at_construction(shape, message):
    with pytest.raises(ValueError, match=message):
        pixeldist.PixelCNN((4, 4, 1), conditional_shape=shape, high=3)


def test_bad_condition_maps_get_clear_errors():
    dist = _model("gated_pixelcnn", "map-categorical-grey", (4, 4), 3)
    images = np.zeros((2, 4, 4, 1))
    with pytest.raises(ValueError, match="conditional_input.*2, 2, 2"):
        dist.log_prob(images, conditional_input=np.zeros((2, 4, 4, 2), np.float32))
    bad = np.zeros((2, 2, 2, 2), np.float32)
    bad[1, 0, 1, 0] = np.nan
    with pytest.raises(ValueError, match="conditional_input.*not finite"):
        dist.log_prob(images, conditional_input=bad)
    with pytest.raises(ValueError, match="conditional: pass `conditional_input`"):
        dist.sample(2, seed=1)


def test_unknown_input_encoding_is_refused():
    with pytest.raises(ValueError, match="input_encoding"):
        pixeldist.PixelCNN((4, 4, 1), high=3, input_encoding="embedding")
