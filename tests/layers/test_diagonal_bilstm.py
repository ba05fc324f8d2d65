"""DiagonalBiLSTM: layer checks, a NumPy oracle, and its full receptive field."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import (
    assert_steps_match_call,
    perturb_weights,
    run_layer_test,
    step_condition,
)
from scipy.special import expit

from pixeldist.layers import ConditionalBias
from pixeldist.layers.causal_mask import channel_group
from pixeldist.layers.diagonal_bilstm import DiagonalBiLSTM


def _sweep(gates, recurrent_kernel, columns):
    """One direction in image coordinates, pixel by pixel in the given column order.

    The state at (i, j) reads the state above, (i - 1, j), and the previous
    one in its row, (i, j -/+ 1); outside the image the states are 0.
    """
    batch, height, width, four_units = gates.shape
    units = four_units // 4
    hidden = np.zeros((batch, height + 1, width + 2, units))  # zero border
    cell = np.zeros_like(hidden)
    step = 1 if columns[0] == 0 else -1
    for i in range(height):
        for j in columns:
            above, previous = hidden[:, i, j + 1], hidden[:, i + 1, j + 1 - step]
            pre = (
                gates[:, i, j]
                + above @ recurrent_kernel[0]
                + previous @ recurrent_kernel[1]
            )
            gi, gf, go, gg = np.split(pre, 4, axis=-1)
            c = expit(gf) * cell[:, i + 1, j + 1 - step] + expit(gi) * np.tanh(gg)
            cell[:, i + 1, j + 1] = c
            hidden[:, i + 1, j + 1] = expit(go) * np.tanh(c)
    return hidden[:, 1:, 1:-1]


def _diagonal_bilstm_oracle(layer, x, gate_bias=None):
    width = x.shape[2]
    kernel = layer.input_kernel.numpy()[0, 0] * layer.input_mask[0, 0]  # [F, 8u]
    gates = x @ kernel + layer.bias.numpy()  # [N, H, W, 8u]
    left_to_right, right_to_left = np.split(gates, 2, axis=-1)
    if gate_bias is not None:
        left_to_right, right_to_left = (
            left_to_right + gate_bias,
            right_to_left + gate_bias,
        )
    recurrent = layer.recurrent_kernel.numpy()  # [direction, (above, previous), u, 4u]
    forward = _sweep(left_to_right, recurrent[0], list(range(width)))
    backward = _sweep(right_to_left, recurrent[1], list(range(width))[::-1])
    shifted = np.zeros_like(backward)
    shifted[:, 1:] = backward[:, :-1]  # row i gets row i - 1
    return forward + shifted


def _dependencies(layer, x, groups):
    """depends[i, j, g, i', j', f]: does unit group g at (i, j) read x[i', j', f]?"""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = layer(x)  # [N, H, W, u]
        per_group = tf.stack(
            [tf.reduce_sum(p, -1) for p in tf.split(out, groups, axis=-1)], -1
        )
    return np.abs(tape.batch_jacobian(per_group, x).numpy()).max(axis=0) > 0


@pytest.mark.parametrize("groups", [3])
def test_layer_harness(groups):
    data = np.random.default_rng(0).normal(size=(2, 4, 5, 6)).astype(np.float32)
    run_layer_test(
        DiagonalBiLSTM, dict(units=3, num_channel_groups=groups), data, (2, 4, 5, 3)
    )


@pytest.mark.parametrize("height, width", [(4, 5), (5, 3), (3, 1)])
def test_matches_the_oracle(height, width):
    """Skewing, the column scan, both directions and the shift agree with a
    pixel-by-pixel recurrence in image coordinates (zero states at the edges)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, height, width, 6)).astype(np.float32)
    gate_bias = rng.normal(size=(3, 1, 1, 12)).astype(np.float32)
    layer = DiagonalBiLSTM(3, num_channel_groups=3)
    layer(x)
    perturb_weights(layer, 0.5)
    np.testing.assert_allclose(layer(x), _diagonal_bilstm_oracle(layer, x), atol=1e-5)
    np.testing.assert_allclose(
        layer(x, gate_bias=gate_bias),
        _diagonal_bilstm_oracle(layer, x, gate_bias),
        atol=1e-5,
    )


@pytest.mark.parametrize("height, width, perturb", [(4, 6, False), (5, 3, True)])
def test_receptive_field_is_exactly_the_past(height, width, perturb):
    """Full receptive field, no blind spot, no future, for fresh or perturbed weights.

    Unit group g at (i, j) reads every feature of every earlier pixel in raster
    order and the current pixel's feature groups <= g (mask B), nothing else:
    the right-to-left states carry row i's future, and the shift down removes it.
    """
    features, groups = 6, 3
    layer = DiagonalBiLSTM(3, num_channel_groups=groups)
    x = (
        np.random.default_rng(2)
        .normal(size=(16, height, width, features))
        .astype(np.float32)
    )
    layer(x)
    if perturb:
        perturb_weights(layer, 1.0)
        layer.input_kernel.assign(
            tf.ones_like(layer.input_kernel)
        )  # masked entries too
    depends = _dependencies(layer, x, groups)
    feature_group = channel_group(np.arange(features), features, groups)
    expected = np.zeros_like(depends)
    for i, j, g in np.ndindex(height, width, groups):
        expected[i, j, g, :i] = True
        expected[i, j, g, i, :j] = True
        expected[i, j, g, i, j] = feature_group <= g
    np.testing.assert_array_equal(depends, expected)


def test_gate_bias_is_a_bias_of_both_directions():
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 2)).astype(np.float32)
    gate_bias = np.random.default_rng(4).normal(size=(1, 1, 1, 8)).astype(np.float32)
    layer = DiagonalBiLSTM(2)
    plain = layer(x)
    shifted = layer(x, gate_bias=np.repeat(gate_bias, 2, axis=0))
    layer.bias.assign(layer.bias + np.tile(gate_bias[0, 0, 0], 2))
    np.testing.assert_allclose(shifted, layer(x), atol=1e-6)
    assert not np.allclose(shifted, plain)


def test_functional_with_a_gate_bias_and_unknown_batch():
    features = keras.Input((3, 4, 2))
    bias = keras.Input((1, 1, 8))
    model = keras.Model([features, bias], DiagonalBiLSTM(2)(features, gate_bias=bias))
    x = np.random.default_rng(5).normal(size=(5, 3, 4, 2)).astype(np.float32)
    b = np.zeros((5, 1, 1, 8), np.float32)
    assert model([x, b]).shape == (5, 3, 4, 2)
    predict = tf.function(
        model,
        input_signature=[
            [tf.TensorSpec([None, 3, 4, 2]), tf.TensorSpec([None, 1, 1, 8])]
        ],
    )
    np.testing.assert_allclose(predict([x, b]), model([x, b]), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(units=0), "units"),
        (dict(units=2, num_channel_groups=3), "num_channel_groups"),
    ],
)
def test_constructor_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DiagonalBiLSTM(**kwargs)


def test_dtypes():
    x = np.ones((1, 2, 3, 2), np.float32)
    assert DiagonalBiLSTM(2, dtype="mixed_float16")(x).dtype == tf.float16
    layer = DiagonalBiLSTM(2, dtype="float64")
    assert layer(x).dtype == tf.float64
    assert all(w.dtype == "float64" for w in layer.weights)


@pytest.mark.parametrize("groups, condition", [(1, "label"), (3, "map")])
def test_cached_steps_equal_call(groups, condition):
    """The right-to-left pass over the row above at each row's start, one
    left-to-right step per position; a map's gate term moves with the
    position (and is not mirrored by the right-to-left sweep)."""
    x = np.random.default_rng(3).normal(size=(2, 4, 5, 3)).astype(np.float32)
    inputs = keras.Input((4, 5, 3))
    spec, terms, value, classes = step_condition(condition, (4, 5))
    gate_bias = ConditionalBias(4 * 6, classes)(terms)
    lstm = DiagonalBiLSTM(6, groups)
    model = keras.Model([inputs, spec], lstm(inputs, gate_bias=gate_bias))
    perturb_weights(model, 0.3)
    assert_steps_match_call(model, x, value)
