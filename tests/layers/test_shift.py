"""Shift: one row down or one column right, zeros in front.

`run_layer_test` needs trainable weights (it checks that `fit` changes them);
this layer has none, so its other checks are done here.
"""

import keras
import numpy as np
import pytest
from harness import assert_steps_match_call

from pixeldist.layers.shift import Shift


@pytest.mark.parametrize("direction", ["down", "right"])
def test_values_shapes_and_config(direction):
    x = np.arange(2 * 3 * 4 * 2, dtype=np.float32).reshape(2, 3, 4, 2)
    expected = np.zeros_like(x)
    if direction == "down":
        expected[:, 1:] = x[:, :-1]
    else:
        expected[:, :, 1:] = x[:, :, :-1]
    layer = Shift(direction)
    np.testing.assert_array_equal(layer(x), expected)
    assert layer(keras.Input((3, 4, 2))).shape == (None, 3, 4, 2)
    clone = Shift.from_config(layer.get_config())
    np.testing.assert_array_equal(clone(x), expected)


def test_bad_direction():
    with pytest.raises(ValueError, match="direction"):
        Shift("up")


@pytest.mark.parametrize("directions", [("down",), ("right",), ("down", "right")])
def test_cached_steps_equal_call(directions):
    """A shift down gives whole rows at each row's start, from the row above."""
    x = np.random.default_rng(3).normal(size=(2, 4, 5, 3)).astype(np.float32)
    inputs = keras.Input((4, 5, 3))
    y = inputs
    for direction in directions:
        y = Shift(direction)(y)
    assert_steps_match_call(keras.Model(inputs, y), x)
