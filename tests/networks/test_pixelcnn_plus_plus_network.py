"""PixelCNNPlusPlusNetwork: TFP's parameter count, U-Net layout, causality when deep."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import perturb_weights, run_model_saving_test

from pixeldist.layers.gated_residual_block import GatedResidualBlock
from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.layers.shifted_conv2d_transpose import ShiftedConv2DTranspose
from pixeldist.likelihoods.logistic_mixture_head import LogisticMixtureHead
from pixeldist.networks.pixelcnn_plus_plus_network import PixelCNNPlusPlusNetwork


def _tfp_effective_parameter_count(dist) -> tuple[int, int]:
    """(all, unmasked) trainable entries of a `tfd.PixelCNN`'s network.

    TFP keeps full `3×3` (and larger) kernels and zeroes part of them with a
    kernel constraint; the unmasked entries are the ones that can be nonzero.
    """
    total = sum(int(np.prod(v.shape)) for v in dist.network.trainable_variables)
    unmasked = 0
    for layer in dist.network._network.layers:
        if not layer.trainable_weights:
            continue
        inner = getattr(layer, "layer", layer)  # inside TFP's WeightNorm wrapper
        constraint = getattr(inner, "kernel_constraint", None)
        for weight in layer.trainable_weights:
            if constraint is not None and weight.shape.rank == 4:
                unmasked += int(np.count_nonzero(constraint(tf.ones(weight.shape))))
            else:
                unmasked += int(np.prod(weight.shape))
    return total, unmasked


def test_parameter_count_matches_tfd_pixelcnn():
    import tensorflow_probability as tfp  # tfd.PixelCNN needs tf_keras

    args = dict(num_resnet=1, num_hierarchies=2, num_filters=16, num_logistic_mix=5)
    reference = tfp.distributions.PixelCNN(image_shape=(8, 8, 1), **args)
    tfp_total, tfp_unmasked = _tfp_effective_parameter_count(reference)
    head = LogisticMixtureHead(1, args["num_logistic_mix"], 0, 255)
    network = PixelCNNPlusPlusNetwork(
        (8, 8, 1),
        num_outputs=head.num_outputs,
        **{k: v for k, v in args.items() if k != "num_logistic_mix"},
    )
    ours = sum(int(np.prod(w.shape)) for w in network.trainable_weights)
    # Same layers and effective kernel sizes: within 10% of TFP's unmasked
    # weights (in fact equal). TFP stores ~1.8x more, most of them masked.
    assert abs(ours - tfp_unmasked) <= 0.1 * tfp_unmasked, (ours, tfp_unmasked)
    assert ours == tfp_unmasked
    assert tfp_total > 1.5 * ours


@pytest.mark.parametrize("num_resnet, num_hierarchies", [(0, 1), (2, 1), (1, 3)])
def test_u_net_layout(num_resnet, num_hierarchies):
    network = PixelCNNPlusPlusNetwork(
        (4, 4, 1),
        num_outputs=3,
        num_resnet=num_resnet,
        num_hierarchies=num_hierarchies,
        num_filters=2,
    )
    kinds = [type(layer) for layer in network.layers]
    up = num_resnet + (num_hierarchies - 1) * (num_resnet + 1)
    assert kinds.count(GatedResidualBlock) == 2 * (num_resnet * num_hierarchies + up)
    strided = [
        layer
        for layer in network.layers
        if type(layer) is ShiftedConv2D and layer.strides == (2, 2)
    ]
    assert len(strided) == 2 * (num_hierarchies - 1)
    assert kinds.count(ShiftedConv2DTranspose) == 2 * (num_hierarchies - 1)
    assert network.output.shape == (None, 4, 4, 3)


def test_deep_network_is_causal_and_sees_every_earlier_pixel():
    """Three resolutions, a (3, 5) field, R/G/B groups, perturbed weights.

    Group g at pixel p reads the pixels before p and channels < g of p (the
    contract of every pixeldist network), and nothing else; with three
    resolutions its receptive field covers every earlier pixel (no blind spot).
    The shared model suite checks the shallow zoo configurations.
    """
    height = width = 8
    channels = groups = 3
    network = PixelCNNPlusPlusNetwork(
        (height, width, channels),
        num_outputs=6 * groups,
        num_channel_groups=groups,
        num_resnet=1,
        num_hierarchies=3,
        num_filters=6,
        receptive_field_dims=(3, 5),
        dropout_p=0.0,
    )
    perturb_weights(network, 0.3)
    x = tf.constant(
        np.random.default_rng(0).uniform(-1, 1, (2, height, width, channels)),
        tf.float32,
    )
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = network([x])  # [2, H, W, 6G]
        per_group = tf.stack(
            [tf.reduce_sum(part, -1) for part in tf.split(out, groups, -1)], -1
        )  # [2, H, W, G]
    jacobian = np.abs(tape.batch_jacobian(per_group, x).numpy()).max(0)
    reads = jacobian > 0  # [H, W, G, H, W, C]
    for i, j, g in np.ndindex(height, width, groups):
        before = np.zeros((height, width, channels), bool)
        before[:i] = True
        before[i, :j] = True
        allowed = before.copy()
        allowed[i, j, :g] = True
        assert not (reads[i, j, g] & ~allowed).any(), (i, j, g)
        assert reads[i, j, g][before].all(), (i, j, g)  # every earlier pixel
        assert reads[i, j, g, i, j, :g].all(), (i, j, g)


def test_image_sizes_must_halve():
    with pytest.raises(
        ValueError, match=r"divisible by 2 \*\* \(num_hierarchies - 1\) = 4"
    ):
        PixelCNNPlusPlusNetwork((8, 6, 1), num_outputs=3, num_hierarchies=3)


@pytest.fixture
def global_policy():
    yield keras.mixed_precision.set_global_policy
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize(
    "policy, dtype, expected",
    [
        ("float32", "float64", tf.float64),
        ("mixed_float16", None, tf.float16),  # dtype None follows the global policy
    ],
)
def test_dtypes(global_policy, policy, dtype, expected):
    global_policy(policy)
    network = PixelCNNPlusPlusNetwork(
        (4, 4, 3),
        num_outputs=6,
        num_channel_groups=3,
        num_resnet=0,
        num_hierarchies=2,
        num_filters=3,
        dtype=dtype,
    )
    x = np.random.default_rng(1).uniform(-1, 1, (2, 4, 4, 3)).astype(np.float32)
    assert network([x], training=True).dtype == expected  # data init in this dtype
    assert np.isfinite(network([x]).numpy()).all()
    assert all(
        w.dtype in ("float64" if dtype else "float32", "bool") for w in network.weights
    )


def test_config_round_trip_and_saving(tmp_path):
    network = PixelCNNPlusPlusNetwork(
        (4, 4, 1),
        num_outputs=4,
        num_resnet=0,
        num_hierarchies=2,
        num_filters=3,
        num_classes=3,
        dropout_p=0.2,
        resnet_activation="relu",
    )
    inputs = [
        np.random.default_rng(2).uniform(-1, 1, (2, 4, 4, 1)).astype(np.float32),
        np.array([0, 2]),
    ]
    network(inputs, training=True)
    clone = PixelCNNPlusPlusNetwork.from_config(network.get_config())
    clone.set_weights(network.get_weights())
    np.testing.assert_array_equal(clone(inputs), network(inputs))
    loaded = run_model_saving_test(network, inputs, tmp_path)
    assert isinstance(loaded, PixelCNNPlusPlusNetwork)
    assert isinstance(loaded, keras.Model)
