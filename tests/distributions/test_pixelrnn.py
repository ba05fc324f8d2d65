"""PixelRNN, both cells: arguments, config round trip, dtypes, float conditions."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import all_images, perturb_weights

from pixeldist.distributions.pixelcnn import PixelCNN
from pixeldist.distributions.pixelrnn import PixelRNN
from pixeldist.layers.diagonal_bilstm import DiagonalBiLSTM
from pixeldist.layers.row_lstm import RowLSTM
from pixeldist.layers.spatial_lstm import SpatialLSTM
from pixeldist.networks.pixelrnn_network import PixelRNNNetwork

SHAPE = (3, 3, 1)
TINY = dict(num_layers=2, num_filters=3)
CELLS = {
    "row_lstm": RowLSTM,
    "diagonal_bilstm": DiagonalBiLSTM,
    "spatial_lstm": SpatialLSTM,
}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(cell="gru"), "cell"),
        (dict(num_layers=0), "num_layers"),
        (dict(num_layers=1.5), "num_layers"),
        (dict(num_filters=0), "num_filters"),
        (dict(image_shape=(2, 2, 3), num_filters=2), "num_filters"),
        (dict(likelihood="gaussian"), "likelihood"),
    ],
)
def test_constructor_arguments(kwargs, message):
    kwargs = {"image_shape": SHAPE, **kwargs}
    with pytest.raises(ValueError, match=message):
        PixelRNN(**kwargs)


def test_defaults_follow_the_paper_and_pixelcnn():
    own = inspect.signature(PixelRNN).parameters
    pixelcnn = inspect.signature(PixelCNN).parameters
    specific = {"cell": "row_lstm", "num_layers": 7, "num_filters": 16}  # MNIST model
    assert own["image_shape"].default is inspect.Parameter.empty
    for name, parameter in own.items():
        if name in specific:
            assert parameter.default == specific[name], name
        elif name != "image_shape":
            assert parameter.default == pixelcnn[name].default, name


@pytest.mark.parametrize("cell", CELLS)
def test_config_is_the_constructor_arguments_and_round_trips(cell):
    dist = PixelRNN(SHAPE, cell=cell, num_classes=3, high=3, name="rnn", **TINY)
    config = dist.get_config()
    assert set(config) == set(inspect.signature(PixelRNN).parameters)
    assert (config["cell"], config["num_layers"], config["num_filters"]) == (cell, 2, 3)
    assert isinstance(dist.network, PixelRNNNetwork)
    assert sum(isinstance(layer, CELLS[cell]) for layer in dist.network.layers) == 2
    perturb_weights(dist, 0.3)
    clone = PixelRNN.from_config(config)
    assert clone.get_config() == config
    clone.set_weights(dist.get_weights())
    images = np.random.default_rng(0).integers(0, 4, (2, *SHAPE))
    np.testing.assert_array_equal(
        clone.log_prob(images, conditional_input=[1, 2]),
        dist.log_prob(images, conditional_input=[1, 2]),
    )
    assert dist.parameters["cell"] == cell  # TFP's record of the arguments


def test_keras_deserialization_without_custom_objects():
    dist = PixelRNN(SHAPE, cell="diagonal_bilstm", high=3, **TINY)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(dist)
    )
    assert type(restored) is PixelRNN
    assert restored.get_config() == dist.get_config()


@pytest.mark.parametrize("cell", CELLS)
def test_float64(cell):
    dist = PixelRNN(SHAPE, cell=cell, high=3, dtype=tf.float64, **TINY)
    assert all(w.dtype == "float64" for w in dist.network.weights)
    images = np.random.default_rng(2).integers(0, 4, (5, *SHAPE))
    assert dist.log_prob(images).dtype == tf.float64
    assert dist.sample(2, seed=1).dtype == tf.float64


@pytest.mark.parametrize("cell", CELLS)
def test_mixed_precision_follows_the_global_policy(cell):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        dist = PixelRNN((3, 3, 3), cell=cell, high=3, num_classes=2, **TINY)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    lstm = next(
        layer for layer in dist.network.layers if isinstance(layer, CELLS[cell])
    )
    assert lstm.compute_dtype == "float16" and lstm.variable_dtype == "float32"
    images = np.random.default_rng(3).integers(0, 4, (4, 3, 3, 3))
    log_prob = dist.log_prob(images, conditional_input=[0, 1, 0, 1])
    assert log_prob.dtype == tf.float32 and np.all(np.isfinite(log_prob))


@pytest.mark.parametrize("cell", CELLS)
def test_float_condition_normalizes_and_matters(cell):
    """A float condition (projected into the gates of every layer) gives a
    normalized law that depends on the condition."""
    shape = (2, 2, 1)
    dist = PixelRNN(shape, cell=cell, conditional_shape=(2,), high=1, **TINY)
    perturb_weights(dist, 0.3)
    images = all_images(shape, 0, 1)  # 16 images
    totals = []
    for condition in ([1.0, -1.0], [0.0, 2.0]):
        log_prob = dist.log_prob(images, conditional_input=np.float32(condition))
        np.testing.assert_allclose(np.exp(log_prob).sum(), 1.0, rtol=1e-5)
        totals.append(log_prob.numpy())
    assert not np.allclose(*totals)
