"""The generic incremental network: PixelCNN++'s U-Nets, resumed rows, errors.

The zoo's cases (`test_fast_equals_naive.py`) run every model at one small
size; here PixelCNN++ runs at several depths and receptive fields (strided
and transposed shifted convolutions at up to three resolutions), and the
walker's refusals are checked.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import assert_incremental_network_matches, perturb_weights
from model_zoo import NUM_CLASSES

from pixeldist.distributions.pixelcnn_plus_plus import PixelCNNPlusPlus
from pixeldist.layers import MaskedConv2D, ShiftedConv2D
from pixeldist.sampling import IncrementalNetwork, NoCachedStepError

# The sampler as users run it: compiled with XLA.
pytestmark = pytest.mark.usefixtures("xla")

HIGH = 7
# (image shape without channels, num_hierarchies, num_resnet, receptive field)
ARCHITECTURES = {
    "h1": ((3, 5), 1, 1, (3, 3)),
    "h2": ((4, 6), 2, 1, (3, 3)),
    "h3": ((4, 8), 3, 1, (3, 3)),
    "h2-wide": ((4, 4), 2, 1, (4, 5)),
}


def _model(architecture, likelihood, channels, conditional, **kwargs):
    (height, width), hierarchies, resnet, field = ARCHITECTURES[architecture]
    dist = PixelCNNPlusPlus(
        (height, width, channels),
        num_resnet=resnet,
        num_hierarchies=hierarchies,
        num_filters=8,
        num_logistic_mix=2,
        receptive_field_dims=field,
        dropout_p=0.1,
        high=HIGH,
        likelihood=likelihood,
        num_classes=NUM_CLASSES if conditional else None,
        **kwargs,
    )
    perturb_weights(dist, 0.3, seed=7)
    return dist


@pytest.mark.parametrize(
    "case",
    [
        ("h1", "categorical", 3, True),
        ("h2", "logistic_mixture", 3, True),
        ("h2", "categorical", 1, False),
        ("h3", "categorical", 3, True),
        ("h2-wide", "logistic_mixture", 1, False),
    ],
    ids=lambda case: "-".join(map(str, case)),
)
def test_pixelcnn_plus_plus_steps_reproduce_the_network(case):
    dist = _model(*case)
    height, width, channels = dist.image_shape
    rng = np.random.default_rng(1)
    images = rng.integers(0, HIGH + 1, (3, height, width, channels))
    condition = tf.range(3) % NUM_CLASSES if dist.is_conditional else None
    assert_incremental_network_matches(dist, images, condition, rng, 1e-5)


@pytest.mark.parametrize("architecture", ["h2", "h3"])
def test_pixelcnn_plus_plus_fast_sampling_equals_naive(architecture):
    dist = _model(architecture, "logistic_mixture", 1, False)
    naive = dist.sample(4, seed=11, method="naive").numpy()
    np.testing.assert_array_equal(dist.sample(4, seed=11).numpy(), naive)
    assert len(np.unique(naive)) > 2


@pytest.mark.parametrize("architecture", ["h2", "h3"])
def test_generation_resumed_in_the_middle_of_a_row(architecture):
    """Known pixels fill the caches of a partial row (and of the coarse
    positions it covers) before the first draw, and the row's work, done
    again when the drawing starts, changes nothing."""
    dist = _model(architecture, "logistic_mixture", 1, False)
    height, width, channels = dist.image_shape
    rng = np.random.default_rng(4)
    noise = tf.constant(rng.uniform(size=(3, height, width, channels + 1)), tf.float32)
    images = tf.constant(rng.integers(0, HIGH + 1, (3, height, width, channels)))
    images = tf.cast(images, dist.dtype)
    temperature = tf.constant(1.0)
    for first in (width + 3, 2 * width + 5):
        args = (noise, None, temperature, images, first, False)
        fast = dist._generator.generate("fast", *args)
        naive = dist._generator.generate("naive", *args)
        np.testing.assert_array_equal(fast, naive)
        np.testing.assert_array_equal(
            tf.reshape(fast, [3, -1])[:, :first], tf.reshape(images, [3, -1])[:, :first]
        )


@pytest.mark.parametrize("activation", ["elu", "sigmoid"])
def test_activations_with_nonzero_value_at_zero_keep_the_zero_padding(activation):
    """`sigmoid(0) != 0`: the blocks cache activated values, zero outside."""
    dist = _model("h2", "logistic_mixture", 1, False, resnet_activation=activation)
    naive = dist.sample(4, seed=2, method="naive")
    np.testing.assert_array_equal(dist.sample(4, seed=2), naive)


def _network(layer_fn, shape=(4, 4, 1)):
    image = keras.Input(shape)
    return keras.Model(image, layer_fn(image))


class Doubling(keras.layers.Layer):
    def call(self, x):
        return 2.0 * x


@pytest.mark.parametrize(
    "network, layer_name, reason",
    [
        (
            _network(lambda x: Doubling(name="doubling")(MaskedConv2D(2, 3, "A")(x))),
            "doubling",
            "has no cached step",
        ),
        (
            _network(lambda x: ShiftedConv2D(2, (2, 3), "down", name="ahead")(x)),
            "ahead",
            "right of the output position",
        ),
        (
            _network(
                lambda x: ShiftedConv2D(2, (2, 3), "down", 2, 1, name="coarse")(x),
                shape=(5, 5, 1),
            ),
            "coarse",
            "divide",
        ),
    ],
    ids=["no-step", "not-causal-in-raster-order", "resolution"],
)
def test_networks_it_cannot_step_name_the_layer(network, layer_name, reason):
    with pytest.raises(NoCachedStepError, match=reason) as error:
        IncrementalNetwork(network)
    assert error.value.layer_name == layer_name
