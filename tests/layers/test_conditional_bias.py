"""ConditionalBias: per-class vectors and linear projections of a float condition."""

import keras
import numpy as np
import pytest
from harness import assert_steps_match_call, perturb_weights, run_layer_test

from pixeldist.layers import ConditionalBias, MaskedConv2D


def test_float_condition_harness():
    data = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    run_layer_test(ConditionalBias, dict(units=5), data, (4, 1, 1, 5), step_input=None)


def test_class_bias_is_a_table_lookup():
    layer = ConditionalBias(units=2, num_classes=3)
    layer.build((None,))
    table = np.arange(6, dtype=np.float32).reshape(3, 2)
    layer.table.assign(table)
    out = layer(np.array([2, 0, 2])).numpy()
    np.testing.assert_array_equal(out[:, 0, 0], table[[2, 0, 2]])


def test_config_round_trip():
    layer = ConditionalBias(units=4, num_classes=7)
    clone = ConditionalBias.from_config(layer.get_config())
    assert (clone.units, clone.num_classes) == (4, 7)


@pytest.mark.parametrize("num_classes", [3, None])
def test_cached_steps_equal_call(num_classes):
    """A constant of the generation: computed once, added at every step."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 4, 1)).astype(np.float32)
    if num_classes:
        condition, spec = np.array([2, 0]), keras.Input((), dtype="int32")
    else:
        condition, spec = rng.normal(size=(2, 2)).astype(np.float32), keras.Input((2,))
    inputs = keras.Input((3, 4, 1))
    conv, bias = MaskedConv2D(4, 3, "A"), ConditionalBias(4, num_classes)
    model = keras.Model([inputs, spec], keras.layers.Add()([conv(inputs), bias(spec)]))
    perturb_weights(model, 0.3)
    assert_steps_match_call(model, x, condition)
