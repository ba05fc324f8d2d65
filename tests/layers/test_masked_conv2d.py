"""MaskedConv2D: the shared layer checks, and causality for any weights."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import assert_steps_match_call, perturb_weights, run_layer_test

from pixeldist.layers import MaskedConv2D, Shift


@pytest.mark.parametrize("mask_type, groups", [("A", 1), ("B", 1), ("A", 3), ("B", 3)])
def test_layer_harness(mask_type, groups):
    data = np.random.default_rng(0).normal(size=(2, 5, 5, 3)).astype(np.float32)
    run_layer_test(
        MaskedConv2D,
        dict(filters=6, kernel_size=3, mask_type=mask_type, num_channel_groups=groups),
        data,
        (2, 5, 5, 6),
    )


@pytest.mark.parametrize("perturb", [False, True])
def test_mask_applies_in_the_forward_pass(perturb):
    """A fresh or perturbed layer never reads later positions (no constraint needed)."""
    layer = MaskedConv2D(4, 3, "A")
    x = tf.constant(np.random.default_rng(1).normal(size=(1, 4, 4, 1)), tf.float32)
    layer(x)
    if perturb:
        perturb_weights(layer, 1.0)
        layer.kernel.assign(tf.ones_like(layer.kernel))  # the masked entries too
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x)[0, 1, 1])
    grad = tape.gradient(y, x)[0, ..., 0].numpy()
    expected_nonzero = np.zeros((4, 4), bool)
    expected_nonzero[0, :3] = True
    expected_nonzero[1, 0] = True
    np.testing.assert_array_equal(grad != 0, expected_nonzero)


def test_mixed_precision_dtype():
    layer = MaskedConv2D(2, 3, "B", dtype="mixed_float16")
    out = layer(np.ones((1, 3, 3, 1), np.float32))
    assert out.dtype == tf.float16


@pytest.mark.parametrize(
    "kernel_size, mask_type, groups, row_input",
    [(1, "B", 1, False), (3, "A", 3, False), (5, "B", 3, False), (3, "B", 1, True)],
)
def test_cached_steps_equal_call(kernel_size, mask_type, groups, row_input):
    """One matmul of the cached window per position (or a correlation per row
    for an input known by rows) gives `call`'s outputs."""
    x = np.random.default_rng(3).normal(size=(2, 4, 5, 3)).astype(np.float32)
    inputs = keras.Input((4, 5, 3))
    y = Shift("down")(inputs) if row_input else inputs
    layer = MaskedConv2D(6, kernel_size, mask_type, groups)
    model = keras.Model(inputs, layer(y))
    perturb_weights(layer, 0.3)
    assert_steps_match_call(model, x)
