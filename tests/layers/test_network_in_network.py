"""NetworkInNetwork: layer checks and the same weight-normalized map at every pixel."""

import keras
import numpy as np
import pytest
from harness import assert_steps_match_call, perturb_weights, run_layer_test

from pixeldist.layers import Shift
from pixeldist.layers.network_in_network import NetworkInNetwork


def test_layer_harness():
    data = np.random.default_rng(0).normal(size=(2, 3, 4, 6)).astype(np.float32)
    run_layer_test(NetworkInNetwork, dict(filters=5), data, (2, 3, 4, 5))


def test_is_a_weight_normalized_dense_map_at_every_position():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4, 6))
    layer = NetworkInNetwork(5, dtype="float64")
    layer.build(x.shape)
    layer.g.assign(rng.normal(size=5))
    layer.bias.assign(rng.normal(size=5))
    v = layer.kernel.numpy()
    kernel = v * layer.g.numpy() / np.linalg.norm(v, axis=0)
    np.testing.assert_allclose(layer(x), x @ kernel + layer.bias.numpy(), rtol=1e-12)


@pytest.mark.parametrize("row_input", [False, True])
def test_cached_steps_equal_call(row_input):
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 3)).astype(np.float32)
    inputs = keras.Input((3, 4, 3))
    y = Shift("down")(inputs) if row_input else inputs
    layer = NetworkInNetwork(5, use_data_init=False)
    model = keras.Model(inputs, layer(y))
    perturb_weights(layer, 0.3)
    assert_steps_match_call(model, x)
