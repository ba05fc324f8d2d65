"""WeightNormalization: the reparameterization and the data-dependent initialization.

Checked on `NetworkInNetwork` and `ShiftedConv2D`, both built on it.
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from pixeldist.layers.network_in_network import NetworkInNetwork
from pixeldist.layers.shifted_conv2d import ShiftedConv2D


def _batch(seed=0, shape=(16, 4, 4, 3)):
    rng = np.random.default_rng(seed)
    return (3.0 + 2.0 * rng.normal(size=shape)).astype(np.float32)  # off-centre


def _stats(y):
    y = np.asarray(y).reshape(-1, y.shape[-1])
    return y.mean(axis=0), y.std(axis=0)


def test_starts_as_the_plain_layer():
    """`g = ||v||` at first, so the layer computes `x v + b` before any init."""
    x = _batch()
    layer = NetworkInNetwork(4)
    out = layer(x).numpy()
    np.testing.assert_allclose(out, x @ layer.kernel.numpy(), rtol=1e-5, atol=1e-5)
    assert not layer.initialized.numpy()


@pytest.mark.parametrize("graph", [False, True])
@pytest.mark.parametrize("init_scale", [1.0, 0.1])
def test_first_training_call_normalizes_its_batch_once(graph, init_scale):
    x, other = _batch(0), _batch(1)
    layer = ShiftedConv2D(5, None, "down_right", init_scale=init_scale)
    call = tf.function(layer) if graph else layer
    layer(x)  # build; inference does not initialize
    assert not layer.initialized.numpy()
    out = call(x, training=True).numpy()
    mean, std = _stats(out)
    np.testing.assert_allclose(mean, 0.0, atol=1e-4)
    np.testing.assert_allclose(std, init_scale, rtol=1e-3)
    # The same values in inference: the first call already used the new g, b.
    np.testing.assert_allclose(layer(x), out, rtol=1e-5, atol=1e-6)
    assert layer.initialized.numpy()
    g, b = layer.g.numpy(), layer.bias.numpy()
    call(other, training=True)  # a later batch does not re-initialize
    np.testing.assert_array_equal(layer.g.numpy(), g)
    np.testing.assert_array_equal(layer.bias.numpy(), b)
    assert abs(_stats(layer(other))[0]).max() > 1e-2  # its statistics differ


@pytest.mark.parametrize("training", [False, None])
def test_inference_never_initializes(training):
    layer = NetworkInNetwork(3)
    x = _batch()
    layer(x)
    g = layer.g.numpy()
    tf.function(lambda x: layer(x, training=training))(x)
    layer(x, training=training)
    assert not layer.initialized.numpy()
    np.testing.assert_array_equal(layer.g.numpy(), g)


def test_first_batch_gradient_reaches_g_and_b():
    layer = NetworkInNetwork(3)
    x = _batch()
    layer(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True) ** 3)
    grads = tape.gradient(loss, [layer.kernel, layer.g, layer.bias])
    assert all(g is not None and np.abs(g.numpy()).max() > 0 for g in grads)


def test_without_weight_norm_or_data_init():
    x = _batch()
    plain = NetworkInNetwork(3, use_weight_norm=False)
    plain(x, training=True)
    assert [w.name for w in plain.weights] == ["kernel", "bias"]
    np.testing.assert_array_equal(plain.bias.numpy(), 0.0)  # nothing was initialized
    no_init = NetworkInNetwork(3, use_data_init=False)
    no_init(x, training=True)
    assert [w.name for w in no_init.weights] == ["kernel", "bias", "g"]
    np.testing.assert_array_equal(no_init.bias.numpy(), 0.0)


def test_initialized_flag_is_saved(tmp_path):
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, ShiftedConv2D(4, None, "down")(inputs))
    model(_batch(0), training=True)
    path = os.path.join(str(tmp_path), "layer.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    layer = loaded.layers[-1]
    assert layer.initialized.numpy() and not layer.initialized.trainable
    g = layer.g.numpy()
    loaded(_batch(1), training=True)
    np.testing.assert_array_equal(layer.g.numpy(), g)  # not initialized again


def test_mixed_precision():
    layer = ShiftedConv2D(4, None, "down", dtype="mixed_float16")
    out = layer(_batch(), training=True)
    assert out.dtype == tf.float16
    assert layer.g.dtype == "float32" and layer.initialized.numpy()
    np.testing.assert_allclose(
        _stats(out.numpy().astype(np.float32))[1], 1.0, rtol=1e-2
    )
