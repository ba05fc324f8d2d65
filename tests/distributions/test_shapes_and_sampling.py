"""Shapes, dtypes, broadcasting and sampling rules of the image distributions."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import pixeldist

SHAPE = (3, 2, 1)


@pytest.fixture(scope="module")
def dist():
    return pixeldist.PixelCNN(SHAPE, num_classes=5, high=3, num_layers=1, num_filters=4)


def test_shapes_and_names(dist):
    assert isinstance(dist, tfp.distributions.Distribution)
    assert dist.batch_shape == []
    assert dist.event_shape == SHAPE
    assert dist.dtype == tf.float32
    assert dist.event_shape_tensor().numpy().tolist() == list(SHAPE)


def test_log_prob_broadcasts_batch_dims(dist):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 4, (4, 1, *SHAPE))
    labels = np.array([0, 1, 2])
    log_prob = dist.log_prob(images, conditional_input=labels)
    assert log_prob.shape == (4, 3)
    one = dist.log_prob(images[2, 0], conditional_input=1)
    np.testing.assert_allclose(log_prob[2, 1], one, rtol=1e-6)
    # integer dtypes are accepted
    np.testing.assert_allclose(
        dist.log_prob(images.astype(np.uint8), conditional_input=labels),
        log_prob,
        rtol=1e-6,
    )


def test_pixel_log_prob_sums_to_log_prob(dist):
    images = np.random.default_rng(1).integers(0, 4, (2, 3, *SHAPE))
    terms = dist.pixel_log_prob(images, conditional_input=[1, 2, 3])
    assert terms.shape == (2, 3, *SHAPE)
    np.testing.assert_allclose(
        tf.reduce_sum(terms, [-3, -2, -1]),
        dist.log_prob(images, conditional_input=[1, 2, 3]),
        rtol=1e-5,
    )


@pytest.mark.parametrize(
    "sample_shape, labels, expected_batch",
    [
        (16, np.arange(16) % 5, (16,)),
        (16, [3], (16,)),
        ((4, 3), [0, 1, 2], (4, 3)),
        ((), 2, ()),
        (0, [1], (0,)),
    ],
)
def test_sample_shape_rules(dist, sample_shape, labels, expected_batch):
    samples = dist.sample(sample_shape, seed=3, conditional_input=labels)
    assert samples.shape == (*expected_batch, *SHAPE)
    assert samples.dtype == tf.float32
    values = samples.numpy()
    assert np.all(values == np.round(values))
    assert np.all((values >= 0) & (values <= 3))


def test_same_seed_same_samples(dist):
    a = dist.sample(6, seed=11, conditional_input=[2])
    b = dist.sample(6, seed=11, conditional_input=[2])
    c = dist.sample(6, seed=tf.constant([4, 5]), conditional_input=[2])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a.numpy(), c.numpy())


def test_samples_of_each_label_follow_their_class(dist):
    """Labels reach the sampler: per-label samples equal single-label runs."""
    labels = np.array([0, 4, 0, 4])
    joint = dist.sample(4, seed=5, conditional_input=labels).numpy()
    log_prob_right = dist.log_prob(joint, conditional_input=labels).numpy()
    assert np.all(np.isfinite(log_prob_right))


def test_float64():
    dist = pixeldist.PixelCNN(
        SHAPE, high=3, num_layers=1, num_filters=4, dtype=tf.float64
    )
    images = np.random.default_rng(2).integers(0, 4, (5, *SHAPE))
    log_prob = dist.log_prob(images)
    assert log_prob.dtype == tf.float64
    assert dist.sample(2, seed=1).dtype == tf.float64


def test_float_conditional_input():
    dist = pixeldist.PixelCNN(
        SHAPE, conditional_shape=(2,), high=3, num_layers=1, num_filters=4
    )
    images = np.ones((3, *SHAPE))
    condition = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], np.float32)
    log_prob = dist.log_prob(images, conditional_input=condition)
    assert log_prob.shape == (3,)
    assert len(set(np.round(log_prob.numpy(), 5))) == 3
    assert dist.sample(4, seed=1, conditional_input=condition[:1]).shape == (4, *SHAPE)


def test_scalar_float_condition():
    dist = pixeldist.PixelCNN(
        SHAPE, conditional_shape=(), high=3, num_layers=1, num_filters=4
    )
    log_prob = dist.log_prob(np.ones((2, *SHAPE)), conditional_input=[0.0, 2.0])
    assert log_prob.shape == (2,)
    assert dist.sample(3, seed=1, conditional_input=1.5).shape == (3, *SHAPE)


def test_composes_with_tfp(dist):
    independent = tfp.distributions.Independent(dist, reinterpreted_batch_ndims=0)
    images = np.ones((2, *SHAPE))
    np.testing.assert_allclose(
        independent.log_prob(images, conditional_input=[1, 2]),
        dist.log_prob(images, conditional_input=[1, 2]),
    )


def test_get_config_round_trip(dist):
    clone = pixeldist.PixelCNN.from_config(dist.get_config())
    clone.set_weights(dist.get_weights())
    images = np.ones((2, *SHAPE))
    np.testing.assert_array_equal(
        clone.log_prob(images, conditional_input=[1, 2]),
        dist.log_prob(images, conditional_input=[1, 2]),
    )


def test_weights_exist_after_construction(dist):
    assert dist.built and len(dist.trainable_weights) > 0
