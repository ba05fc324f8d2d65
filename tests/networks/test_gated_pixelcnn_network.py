"""GatedPixelCNNNetwork: no blind spot, causality for any weights, config, saving."""

import numpy as np
import pytest
import tensorflow as tf
from harness import perturb_weights, run_model_saving_test

from pixeldist.networks.gated_pixelcnn_network import GatedPixelCNNNetwork
from pixeldist.networks.pixelcnn_network import PixelCNNNetwork


def _sees(network, height, width, channels, groups=1, batch=16, seed=0, condition=None):
    """sees[i, j, g, i', j', c']: does output group g at (i, j) depend on x[i', j', c']?

    Maximum of |d output / d input| over a batch of random inputs, so a unit
    that happens to be off for one input cannot hide a path.
    """
    x = tf.constant(
        np.random.default_rng(seed).uniform(-1, 1, (batch, height, width, channels)),
        tf.float32,
    )
    inputs = [x] if condition is None else [x, condition]
    with tf.GradientTape() as tape:
        tape.watch(x)
        raw = network(inputs)  # [B, H, W, P]
        per_group = tf.stack(
            [tf.reduce_sum(t, -1) for t in tf.split(raw, groups, axis=-1)], -1
        )  # [B, H, W, G]
    jacobian = tape.batch_jacobian(per_group, x).numpy()  # [B, H, W, G, H, W, C]
    return np.abs(jacobian).max(axis=0) > 0


def test_no_blind_spot_unlike_pixelcnn():
    """At init, 4 gated layers of kernel 3 on a 5×5 image: every output sees
    every earlier pixel, the last pixel included. A PixelCNN of the same kernel
    and more depth (mask-A 3×3, then 4 blocks with a 3×3 mask-B convolution)
    misses exactly the wedge to the upper right, {(i - a, j + b): b > a >= 1}.

    The last pixel (4, 4) has no pixel to its upper right, so its outputs see
    everything in both models; the wedge shows at pixels left of the last
    column, e.g. (4, 0) never sees (3, 2) in the PixelCNN.
    """
    size, depth = 5, 4
    gated = GatedPixelCNNNetwork(
        (size, size, 1), 2, num_layers=depth, num_filters=8, kernel_size=3
    )
    plain = PixelCNNNetwork(
        (size, size, 1),
        2,
        num_layers=depth,
        num_filters=8,
        kernel_size=3,
        first_kernel_size=3,
    )
    sees_gated = _sees(gated, size, size, 1)[:, :, 0, :, :, 0]  # [H, W, H, W]
    sees_plain = _sees(plain, size, size, 1)[:, :, 0, :, :, 0]
    earlier = np.zeros((size, size, size, size), bool)
    wedge = np.zeros_like(earlier)
    for i, j, i2, j2 in np.ndindex(size, size, size, size):
        earlier[i, j, i2, j2] = (i2, j2) < (i, j)
        wedge[i, j, i2, j2] = i2 < i and j2 - j > i - i2
    assert sees_gated[size - 1, size - 1][earlier[size - 1, size - 1]].all()
    np.testing.assert_array_equal(sees_gated, earlier)  # all of the past, no future
    np.testing.assert_array_equal(sees_plain, earlier & ~wedge)
    assert sees_gated[4, 0, 3, 2] and not sees_plain[4, 0, 3, 2]


def test_receptive_field_grows_with_depth():
    """With too few layers the gated network does not reach the far corner yet:
    after 2 layers of kernel 3, (4, 4) sees 2 columns to its left, not 4."""
    sees = _sees(
        GatedPixelCNNNetwork((5, 5, 1), 2, num_layers=2, num_filters=8, kernel_size=3),
        5,
        5,
        1,
    )
    assert sees[4, 4, 0, 4, 2].any() and not sees[4, 4, 0, 4, 1].any()


def _allowed(height, width, channels, groups):
    allowed = np.zeros((height, width, groups, height, width, channels), bool)
    for i, j, g in np.ndindex(height, width, groups):
        for i2, j2 in np.ndindex(height, width):
            allowed[i, j, g, i2, j2] = (i2, j2) < (i, j)
        if groups > 1:
            allowed[i, j, g, i, j, :g] = True
    return allowed


@pytest.mark.parametrize("groups", [1, 3])
def test_causal_for_any_weights(groups):
    """Perturbed weights (masked kernel entries included), conditional, RGB."""
    network = GatedPixelCNNNetwork(
        (3, 4, 3),
        6,
        num_channel_groups=groups,
        num_layers=3,
        num_filters=12,
        kernel_size=3,
        num_classes=2,
    )
    perturb_weights(network, 1.0)
    labels = tf.constant(np.arange(16) % 2, tf.int32)
    sees = _sees(network, 3, 4, 3, groups, condition=labels)
    allowed = _allowed(3, 4, 3, groups)
    assert not (sees & ~allowed).any(), np.argwhere(sees & ~allowed)[:5]
    np.testing.assert_array_equal(sees, allowed)  # and every allowed input is seen


def test_outputs_shapes_and_config_round_trip():
    network = GatedPixelCNNNetwork(
        (4, 3, 3),
        12,
        num_channel_groups=3,
        num_layers=2,
        num_filters=6,
        kernel_size=5,
        conditional_shape=(2,),
        name="net",
    )
    x = np.random.default_rng(1).uniform(-1, 1, (2, 4, 3, 3)).astype(np.float32)
    h = np.ones((2, 2), np.float32)
    assert network([x, h]).shape == (2, 4, 3, 12)
    config = network.get_config()
    assert config == dict(
        name="net",
        trainable=True,
        image_shape=(4, 3, 3),
        num_outputs=12,
        num_channel_groups=3,
        num_layers=2,
        num_filters=6,
        kernel_size=5,
        num_classes=None,
        conditional_shape=(2,),
    )
    clone = GatedPixelCNNNetwork.from_config(config)
    clone.set_weights(network.get_weights())
    np.testing.assert_allclose(clone([x, h]), network([x, h]), rtol=1e-6, atol=1e-6)


def test_saves_and_loads(tmp_path):
    network = GatedPixelCNNNetwork(
        (3, 3, 1), 4, num_layers=2, num_filters=4, kernel_size=3, num_classes=3
    )
    perturb_weights(network, 0.3)
    x = np.random.default_rng(2).uniform(-1, 1, (3, 3, 3, 1)).astype(np.float32)
    loaded = run_model_saving_test(network, [x, np.array([0, 1, 2])], tmp_path)
    assert isinstance(loaded, GatedPixelCNNNetwork)


def test_needs_at_least_one_layer():
    with pytest.raises(ValueError, match="num_layers"):
        GatedPixelCNNNetwork((3, 3, 1), 4, num_layers=0)


def test_float64():
    network = GatedPixelCNNNetwork(
        (3, 3, 1), 4, num_layers=2, num_filters=4, kernel_size=3, dtype="float64"
    )
    assert all(w.dtype == "float64" for w in network.weights)
    assert network(np.zeros((1, 3, 3, 1))).dtype == tf.float64
