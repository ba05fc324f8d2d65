"""NetworkInNetwork: layer checks and the same weight-normalized map at every pixel."""

import numpy as np
from harness import run_layer_test

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
