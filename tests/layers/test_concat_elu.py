"""ConcatELU: `elu([x, -x])`.

`run_layer_test` needs trainable weights (it checks that `fit` changes them);
this layer has none, so its other checks are done here.
"""

import keras
import numpy as np
import tensorflow as tf
from harness import assert_steps_match_call

from pixeldist.layers.concat_elu import ConcatELU


def _elu(z):
    return np.where(z > 0, z, np.expm1(z))


def test_values_shapes_and_config():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    layer = ConcatELU(dtype="float64")
    expected = np.concatenate([_elu(x), _elu(-x)], axis=-1)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12)
    assert layer(keras.Input((3, 4, 5))).shape == (None, 3, 4, 10)
    np.testing.assert_allclose(ConcatELU.from_config(layer.get_config())(x), expected)


def test_keeps_both_signs():
    """Unlike an ELU, x and -x give different outputs (the information is kept)."""
    x = tf.constant([[1.5, -0.5]])
    assert not np.allclose(ConcatELU()(x), ConcatELU()(-x))


def test_cached_steps_equal_call():
    """Position-wise: the incremental network calls it on each position."""
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 3)).astype(np.float32)
    inputs = keras.Input((3, 4, 3))
    assert_steps_match_call(keras.Model(inputs, ConcatELU()(inputs)), x)
