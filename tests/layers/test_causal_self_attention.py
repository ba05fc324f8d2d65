"""CausalSelfAttention: layer checks, the attention by hand, causality, the
first position, the masked softmax, cached steps, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import (
    assert_steps_match_call,
    perturb_weights,
    run_layer_test,
    run_model_saving_test,
)

from pixeldist.layers import Shift
from pixeldist.layers.causal_self_attention import (
    CausalSelfAttention,
    masked_softmax,
    position_features,
)


def test_layer_harness():
    data = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype(np.float32)
    run_layer_test(
        CausalSelfAttention,
        dict(num_heads=2, key_channels=4, value_channels=6),
        data,
        (2, 3, 4, 6),
    )


def _softmax(z):
    z = z - z.max()
    return np.exp(z) / np.exp(z).sum()


def test_attention_by_hand():
    """y_p = sum_{p' < p} softmax(q_p . k_p' / sqrt(d_k)) v_p', head by head."""
    rng = np.random.default_rng(1)
    height, width, heads, key_size, value_size = 2, 3, 2, 3, 2
    features = rng.normal(size=(2, height, width, 4))
    source = rng.normal(size=(2, height, width, 1))
    layer = CausalSelfAttention(
        heads, heads * key_size, heads * value_size, dtype="float64"
    )
    layer(features, source)
    perturb_weights(layer, 0.5)
    out = layer(features, source).numpy().reshape(2, -1, heads, value_size)
    coords = np.broadcast_to(
        position_features(height, width).reshape(1, height, width, 2),
        (2, height, width, 2),
    )
    query = layer.query_projection(np.concatenate([features, coords], -1)).numpy()
    key_value = layer.key_value_projection(
        np.concatenate([features, source, coords], -1)
    ).numpy()
    query = query.reshape(2, -1, heads, key_size)
    key = key_value[..., : heads * key_size].reshape(2, -1, heads, key_size)
    value = key_value[..., heads * key_size :].reshape(2, -1, heads, value_size)
    for n, p, a in np.ndindex(2, height * width, heads):
        if p == 0:
            expected = np.zeros(value_size)
        else:
            scores = key[n, :p, a] @ query[n, p, a] / np.sqrt(key_size)
            expected = _softmax(scores) @ value[n, :p, a]
        np.testing.assert_allclose(out[n, p, a], expected, rtol=1e-10, atol=1e-12)


def _gradients(layer, features, source, row, col):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([features, source])
        y = tf.reduce_sum(layer(features, source)[:, row, col])
    return [
        np.abs(tape.gradient(y, x).numpy()).sum(axis=(0, -1)) > 0  # [H, W]
        for x in (features, source)
    ]


@pytest.mark.parametrize("row, col", [(0, 1), (0, 2), (1, 0), (2, 3), (3, 4)])
def test_strictly_causal(row, col):
    """The output at p reads the source at p' < p only (every one of them),
    and the features at p' <= p: its own through the query, which matters
    once there are two earlier positions to weigh."""
    height, width = 4, 5
    rng = np.random.default_rng(2)
    features = tf.constant(rng.normal(size=(3, height, width, 3)), tf.float32)
    source = tf.constant(rng.normal(size=(3, height, width, 2)), tf.float32)
    layer = CausalSelfAttention(2, 4, 4)
    layer(features, source)
    perturb_weights(layer, 1.0)
    reads_features, reads_source = _gradients(layer, features, source, row, col)
    raster = np.arange(height * width).reshape(height, width)
    p = raster[row, col]
    np.testing.assert_array_equal(reads_source, raster < p)
    np.testing.assert_array_equal(
        reads_features, (raster < p) | (raster == p) & (p > 1)
    )


def test_the_first_position_is_zero_and_finite():
    """Position 0 attends to nothing: zeros, and zero (not NaN) gradients,
    even for huge scores."""
    rng = np.random.default_rng(3)
    features = tf.constant(1e4 * rng.normal(size=(2, 3, 3, 4)), tf.float32)
    source = tf.constant(rng.normal(size=(2, 3, 3, 1)), tf.float32)
    layer = CausalSelfAttention(1, 4, 3)
    layer(features, source)
    perturb_weights(layer, 1.0)
    with tf.GradientTape() as tape:
        tape.watch(features)
        out = layer(features, source)
        loss = tf.reduce_sum(out[:, 0, 0]) + tf.reduce_sum(out[:, 1:] ** 2)
    gradients = tape.gradient(loss, [features, *layer.trainable_weights])
    np.testing.assert_array_equal(out[:, 0, 0].numpy(), 0.0)
    assert np.isfinite(out.numpy()).all()
    assert np.abs(out[:, 1:].numpy()).max() > 0
    for gradient in gradients:
        assert np.isfinite(gradient.numpy()).all()


def test_masked_softmax():
    scores = tf.constant([[1.0, 2.0, 3.0], [-1e30, 5.0, 1e30], [7.0, 8.0, 9.0]])
    mask = tf.constant([[True, False, True], [True, True, False], [False] * 3])
    with tf.GradientTape() as tape:
        tape.watch(scores)
        probabilities = masked_softmax(scores, mask)
        loss = tf.reduce_sum(probabilities * tf.constant([1.0, 2.0, 3.0]))
    expected = np.zeros((3, 3))
    expected[0, [0, 2]] = _softmax(np.array([1.0, 3.0]))
    expected[1, [0, 1]] = [0.0, 1.0]
    np.testing.assert_allclose(probabilities.numpy(), expected, rtol=1e-6)
    gradient = tape.gradient(loss, scores).numpy()
    assert np.isfinite(gradient).all()
    np.testing.assert_array_equal(gradient[~mask.numpy()], 0.0)
    assert np.abs(gradient[0, [0, 2]]).min() > 0


@pytest.mark.parametrize(
    "features_schedule, with_source", [("position", True), ("row", False)]
)
def test_cached_steps_equal_call(features_schedule, with_source):
    """Steps write the previous position's key and value and attend over
    the cache; the features may be known by position or by row."""
    x = np.random.default_rng(4).normal(size=(2, 4, 5, 3)).astype(np.float32)
    inputs = keras.Input((4, 5, 3))
    features = keras.layers.Dense(6)(
        Shift("down")(inputs) if features_schedule == "row" else inputs
    )
    source = inputs if with_source else None
    layer = CausalSelfAttention(3, 6, 9, use_data_init=False)
    model = keras.Model(inputs, layer(features, source))
    perturb_weights(model, 0.3)
    assert_steps_match_call(model, x)


def test_config_round_trip_and_saving(tmp_path):
    layer = CausalSelfAttention(2, 8, 6, use_weight_norm=False, name="attention")
    config = layer.get_config()
    clone = CausalSelfAttention.from_config(config)
    assert clone.get_config() == config
    assert (clone.num_heads, clone.key_channels, clone.value_channels) == (2, 8, 6)
    features, source = keras.Input((3, 3, 4)), keras.Input((3, 3, 1))
    model = keras.Model([features, source], layer(features, source))
    rng = np.random.default_rng(5)
    data = [rng.normal(size=(2, 3, 3, c)).astype(np.float32) for c in (4, 1)]
    model(data, training=True)
    perturb_weights(model, 0.3)
    run_model_saving_test(model, data, tmp_path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_heads"):
        CausalSelfAttention(num_heads=0)
    with pytest.raises(ValueError, match="divisible"):
        CausalSelfAttention(num_heads=2, key_channels=5, value_channels=4)
    with pytest.raises(ValueError, match="height and width"):
        CausalSelfAttention()(np.zeros((1, 2, 2, 3)), np.zeros((1, 2, 3, 1)))
