"""ConditionalBias: per-class vectors and linear projections of a float condition."""

import numpy as np
from harness import run_layer_test

from pixeldist.layers import ConditionalBias


def test_float_condition_harness():
    data = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    run_layer_test(ConditionalBias, dict(units=5), data, (4, 1, 1, 5))


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
