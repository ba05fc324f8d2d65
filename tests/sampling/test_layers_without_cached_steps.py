"""A network with a layer that has no cached step: the reference loop, loudly."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

import pixeldist
from pixeldist.layers import MaskedConv2D


class Doubling(keras.layers.Layer):
    """Position-wise in truth, but unknown to the incremental network."""

    def call(self, x):
        return 2.0 * x


class DoublingPixelCNN(pixeldist.AutoregressiveImageDistribution):
    def _build_network(self):
        image = keras.Input(self.image_shape)
        x = MaskedConv2D(8, 3, "A")(image)
        x = Doubling(name="doubling")(keras.layers.ReLU()(x))
        outputs = MaskedConv2D(self.head.num_outputs, 1, "B")(x)
        return keras.Model(image, outputs)


def test_fast_sampling_warns_once_naming_the_layer_and_stays_exact():
    dist = DoublingPixelCNN((3, 3, 1), high=5)
    with pytest.warns(UserWarning, match="'doubling'.*reference loop") as record:
        fast = dist.sample(4, seed=2)
    assert len(record) == 1
    np.testing.assert_array_equal(fast, dist.sample(4, seed=2, method="naive"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per model
        dist.sample(2, seed=3)
        dist.complete(np.zeros((2, 3, 3, 1)), 1, seed=1)
    assert dist._generator._fast.experimental_get_tracing_count() == 0
