"""ConditionalBias: per-class vectors and linear projections of a float condition."""

import keras
import numpy as np
import pytest
from harness import (
    assert_steps_match_call,
    perturb_weights,
    run_layer_test,
    step_condition,
)

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


@pytest.mark.parametrize("condition", ["label", "vector", "map"])
def test_cached_steps_equal_call(condition):
    """A constant of the generation: computed once, added at every step (a
    map's term read at the step's position)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 4, 1)).astype(np.float32)
    if condition == "vector":
        spec, value, classes = keras.Input((2,)), rng.normal(size=(2, 2)), None
        terms = spec
    else:
        spec, terms, value, classes = step_condition(condition, (4, 4))
    inputs = keras.Input((4, 4, 1))
    conv, bias = MaskedConv2D(4, 3, "A"), ConditionalBias(4, classes)
    model = keras.Model([inputs, spec], keras.layers.Add()([conv(inputs), bias(terms)]))
    perturb_weights(model, 0.3)
    assert_steps_match_call(
        model, x, np.asarray(value, np.float32) if condition == "vector" else value
    )


def test_a_feature_map_gives_a_term_per_position():
    layer = ConditionalBias(3)
    features = np.random.default_rng(4).normal(size=(2, 4, 5, 6)).astype(np.float32)
    out = layer(features).numpy()
    assert out.shape == (2, 4, 5, 3)
    np.testing.assert_allclose(out, features @ layer.kernel.numpy(), rtol=1e-5)
