"""PixelSNAIL: arguments, the receptive field of the whole past, configuration,
one-hot codes. (Training, finite gradients, saving and the properties of
every model: the shared suite through `tests/zoo/pixelsnail.py`.)"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import tensorflow as tf
from harness import perturb_weights

import pixeldist
from pixeldist.distributions.pixelsnail import PixelSNAIL
from pixeldist.layers import CausalSelfAttention, GatedResidualBlock
from pixeldist.networks.pixelsnail_network import PixelSNAILNetwork

SHAPE = (4, 4, 1)
HIGH = 3


def _tiny(**kwargs):
    args = dict(
        num_blocks=1,
        num_resnet=1,
        num_filters=4,
        key_channels=4,
        value_channels=4,
        num_logistic_mix=2,
        high=HIGH,
    )
    return PixelSNAIL(SHAPE, **{**args, **kwargs})


def test_signature_and_defaults():
    parameters = inspect.signature(PixelSNAIL.__init__).parameters
    assert list(parameters)[1:9] == [
        "image_shape",
        "num_blocks",
        "num_resnet",
        "num_filters",
        "num_heads",
        "key_channels",
        "value_channels",
        "dropout_p",
    ]
    defaults = {name: p.default for name, p in parameters.items()}
    assert defaults["num_blocks"] == 12 and defaults["num_resnet"] == 4
    assert defaults["num_filters"] == 256 and defaults["num_heads"] == 1
    assert (defaults["key_channels"], defaults["value_channels"]) == (16, 128)
    assert defaults["dropout_p"] == 0.0
    assert defaults["likelihood"] == "logistic_mixture"
    assert pixeldist.PixelSNAIL is PixelSNAIL


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(num_blocks=0), "num_blocks"),
        (dict(num_resnet=-1), "num_resnet"),
        (dict(num_filters=0), "num_filters"),
        (dict(num_heads=0), "num_heads"),
        (dict(num_heads=3), "divisible by `num_heads`"),
        (dict(key_channels=0), "key_channels"),
        (dict(value_channels=1.5), "value_channels"),
        (dict(dropout_p=1.0), "dropout_p"),
        (dict(resnet_activation="no_such_activation"), "resnet_activation"),
        (
            dict(num_filters=2, likelihood="categorical", image_shape=(4, 4, 3)),
            "num_filters",
        ),
    ],
)
def test_bad_arguments(kwargs, match):
    defaults = dict(
        image_shape=SHAPE,
        num_blocks=1,
        num_resnet=0,
        num_filters=4,
        key_channels=4,
        value_channels=4,
    )
    with pytest.raises(ValueError, match=match):
        PixelSNAIL(**{**defaults, **kwargs})


def test_layout():
    """Per block: num_resnet pairs of gated blocks, one attention, one 1×1
    gated block mixing the attention into the horizontal stream."""
    network = PixelSNAILNetwork(
        (4, 4, 1), num_outputs=6, num_blocks=3, num_resnet=2, num_filters=4,
        num_heads=2, key_channels=4, value_channels=6,
    )  # fmt: skip
    attention = [la for la in network.layers if isinstance(la, CausalSelfAttention)]
    blocks = [la for la in network.layers if isinstance(la, GatedResidualBlock)]
    assert len(attention) == 3
    assert len(blocks) == 3 * (2 * 2 + 1)
    assert sum(b.kernel_size == (1, 1) for b in blocks) == 3
    assert {(a.num_heads, a.key_channels, a.value_channels) for a in attention} == {
        (2, 4, 6)
    }


@pytest.mark.parametrize("num_resnet", [0, 1])
def test_sees_every_earlier_pixel_after_one_block(num_resnet):
    """With no convolution reaching them, pixels far above-right still reach
    every later pixel through the attention: no blind spot, and nothing of
    the pixel itself or later ones (R/G/B groups: channels < g of the pixel)."""
    height, width, channels = 5, 6, 3
    network = PixelSNAILNetwork(
        (height, width, channels), num_outputs=2 * channels,
        num_channel_groups=channels, num_blocks=1, num_resnet=num_resnet,
        num_filters=6, key_channels=4, value_channels=6,
    )  # fmt: skip
    perturb_weights(network, 0.3)
    x = tf.constant(
        np.random.default_rng(0).uniform(-1, 1, (2, height, width, channels)),
        tf.float32,
    )
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = network([x])
        per_group = tf.stack(
            [tf.reduce_sum(part, -1) for part in tf.split(out, channels, -1)], -1
        )  # [2, H, W, G]
    reads = np.abs(tape.batch_jacobian(per_group, x).numpy()).max(0) > 0
    for i, j, g in np.ndindex(height, width, channels):
        before = np.zeros((height, width, channels), bool)
        before[:i] = True
        before[i, :j] = True
        allowed = before.copy()
        allowed[i, j, :g] = True
        assert not (reads[i, j, g] & ~allowed).any(), (i, j, g)
        assert reads[i, j, g][before].all(), (i, j, g)
        assert reads[i, j, g, i, j, :g].all(), (i, j, g)


def test_config_round_trip():
    dist = _tiny(num_classes=3, num_heads=2, resnet_activation="elu")
    clone = PixelSNAIL.from_config(dist.get_config())
    assert clone.get_config() == dist.get_config()
    clone.set_weights(dist.get_weights())
    images = np.random.default_rng(1).integers(0, HIGH + 1, (4, *SHAPE))
    labels = np.array([0, 1, 2, 0])
    np.testing.assert_array_equal(
        clone.log_prob(images, conditional_input=labels),
        dist.log_prob(images, conditional_input=labels),
    )


def test_one_hot_codes_sample_like_the_reference():
    """A prior over VQ-VAE-like codes: one-hot inputs, categorical likelihood."""
    dist = _tiny(likelihood="categorical", high=7, input_encoding="one_hot")
    perturb_weights(dist, 0.3)
    fast = dist.sample(3, seed=4).numpy()
    naive = dist.sample(3, seed=4, method="naive").numpy()
    np.testing.assert_array_equal(fast, naive)
    assert np.isfinite(dist.log_prob(fast).numpy()).all()
