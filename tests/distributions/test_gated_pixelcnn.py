"""GatedPixelCNN: arguments, config round trip, dtypes and float conditions."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import all_images, perturb_weights

from pixeldist.distributions.gated_pixelcnn import GatedPixelCNN
from pixeldist.distributions.pixelcnn import PixelCNN
from pixeldist.networks.gated_pixelcnn_network import GatedPixelCNNNetwork

SHAPE = (3, 3, 1)
TINY = dict(num_layers=2, num_filters=4, kernel_size=3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_layers=0), "num_layers"),
        (dict(num_layers=1.5), "num_layers"),
        (dict(num_filters=0), "num_filters"),
        (dict(kernel_size=4), "kernel_size"),
        (dict(kernel_size=1), "kernel_size"),
        (dict(image_shape=(2, 2, 3), num_filters=2), "num_filters"),
        (dict(likelihood="gaussian"), "likelihood"),
    ],
)
def test_constructor_arguments(kwargs, message):
    kwargs = {"image_shape": SHAPE, **kwargs}
    with pytest.raises(ValueError, match=message):
        GatedPixelCNN(**kwargs)


def test_defaults_and_shared_arguments_follow_pixelcnn():
    own = inspect.signature(GatedPixelCNN).parameters
    pixelcnn = inspect.signature(PixelCNN).parameters
    specific = {"num_layers": 15, "num_filters": 128, "kernel_size": 5}
    assert own["image_shape"].default is inspect.Parameter.empty
    for name, parameter in own.items():
        if name in specific:
            assert parameter.default == specific[name], name
        elif name != "image_shape":
            assert parameter.default == pixelcnn[name].default, name


def test_config_is_the_constructor_arguments_and_round_trips():
    dist = GatedPixelCNN(SHAPE, num_classes=3, high=3, name="g", **TINY)
    config = dist.get_config()
    assert set(config) == set(inspect.signature(GatedPixelCNN).parameters)
    assert (config["num_layers"], config["num_filters"], config["kernel_size"]) == (
        2,
        4,
        3,
    )
    assert isinstance(dist.network, GatedPixelCNNNetwork)
    perturb_weights(dist, 0.3)
    clone = GatedPixelCNN.from_config(config)
    assert clone.get_config() == config
    clone.set_weights(dist.get_weights())
    images = np.random.default_rng(0).integers(0, 4, (2, *SHAPE))
    np.testing.assert_array_equal(
        clone.log_prob(images, conditional_input=[1, 2]),
        dist.log_prob(images, conditional_input=[1, 2]),
    )
    assert dist.parameters["num_layers"] == 2  # TFP's record of the arguments


def test_keras_deserialization_without_custom_objects():
    dist = GatedPixelCNN(SHAPE, high=3, **TINY)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(dist)
    )
    assert type(restored) is GatedPixelCNN
    assert restored.get_config() == dist.get_config()


def test_float64():
    dist = GatedPixelCNN(SHAPE, high=3, dtype=tf.float64, **TINY)
    assert all(w.dtype == "float64" for w in dist.network.weights)
    images = np.random.default_rng(2).integers(0, 4, (5, *SHAPE))
    assert dist.log_prob(images).dtype == tf.float64
    assert dist.sample(2, seed=1).dtype == tf.float64


def test_mixed_precision_follows_the_global_policy():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        dist = GatedPixelCNN(SHAPE, high=3, num_classes=2, **TINY)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    block = dist.network.get_layer("gated_block_1")
    assert block.compute_dtype == "float16" and block.variable_dtype == "float32"
    images = np.random.default_rng(3).integers(0, 4, (4, *SHAPE))
    log_prob = dist.log_prob(images, conditional_input=[0, 1, 0, 1])
    assert log_prob.dtype == tf.float32 and np.all(np.isfinite(log_prob))


def test_float_condition_normalizes_and_matters():
    """A float condition (projected in every gate) gives a normalized law that
    depends on the condition."""
    shape = (2, 2, 1)
    dist = GatedPixelCNN(shape, conditional_shape=(2,), high=1, **TINY)
    perturb_weights(dist, 0.3)
    images = all_images(shape, 0, 1)  # 16 images
    totals = []
    for condition in ([1.0, -1.0], [0.0, 2.0]):
        log_prob = dist.log_prob(images, conditional_input=np.float32(condition))
        np.testing.assert_allclose(np.exp(log_prob).sum(), 1.0, rtol=1e-5)
        totals.append(log_prob.numpy())
    assert not np.allclose(*totals)
