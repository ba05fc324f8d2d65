"""RowLSTM: the shared layer checks, a NumPy oracle, and its exact receptive field."""

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

from pixeldist.layers import ConditionalBias, Shift
from pixeldist.layers.causal_mask import channel_group
from pixeldist.layers.row_lstm import RowLSTM


def _row_lstm_oracle(layer, x, gate_bias=None):
    """Row by row and pixel by pixel, straight from the paper's equations."""
    batch, height, width, _ = x.shape
    k, units = layer.kernel_size, layer.units
    r = k // 2
    input_kernel = layer.input_kernel.numpy()[0] * layer.input_mask[0]  # [k, F, 4u]
    recurrent_kernel = layer.recurrent_kernel.numpy()  # [k, u, 4u]
    bias = layer.bias.numpy() + (0 if gate_bias is None else gate_bias[:, 0, 0])
    hidden = np.zeros((batch, width, units))
    cell = np.zeros((batch, width, units))
    padded_x = np.pad(x, [(0, 0), (0, 0), (r, r), (0, 0)])
    output = np.zeros((batch, height, width, units))
    for i in range(height):
        padded_h = np.pad(hidden, [(0, 0), (r, r), (0, 0)])
        new_hidden, new_cell = np.zeros_like(hidden), np.zeros_like(cell)
        for j in range(width):
            gates = bias + sum(
                padded_x[:, i, j + d] @ input_kernel[d]
                + padded_h[:, j + d] @ recurrent_kernel[d]
                for d in range(k)
            )
            gi, gf, go, gg = np.split(gates, 4, axis=-1)
            new_cell[:, j] = expit(gf) * cell[:, j] + expit(gi) * np.tanh(gg)
            new_hidden[:, j] = expit(go) * np.tanh(new_cell[:, j])
        hidden, cell = new_hidden, new_cell
        output[:, i] = hidden
    return output


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


@pytest.mark.parametrize("groups, kernel_size", [(1, 3), (3, 5)])
def test_layer_harness(groups, kernel_size):
    data = np.random.default_rng(0).normal(size=(2, 4, 5, 6)).astype(np.float32)
    run_layer_test(
        RowLSTM,
        dict(units=3, num_channel_groups=groups, kernel_size=kernel_size),
        data,
        (2, 4, 5, 3),
    )


@pytest.mark.parametrize("kernel_size", [3, 5])
def test_matches_the_oracle(kernel_size):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 5, 6)).astype(np.float32)
    gate_bias = rng.normal(size=(3, 1, 1, 12)).astype(np.float32)
    layer = RowLSTM(3, num_channel_groups=3, kernel_size=kernel_size)
    layer(x)
    perturb_weights(layer, 0.5)
    np.testing.assert_allclose(layer(x), _row_lstm_oracle(layer, x), atol=1e-5)
    np.testing.assert_allclose(
        layer(x, gate_bias=gate_bias), _row_lstm_oracle(layer, x, gate_bias), atol=1e-5
    )


@pytest.mark.parametrize("kernel_size, perturb", [(3, False), (5, True)])
def test_receptive_field_is_the_triangle_above(kernel_size, perturb):
    """Exactly the paper's receptive field, for fresh or perturbed weights.

    Unit group g at (i, j) reads the current row at columns j - r .. j - 1,
    the current pixel's feature groups <= g (mask B), and row i - d at
    columns j - (d + 1) r .. j + d r: never a later pixel (the state carries
    only earlier rows), and never the blind spot outside the triangle.
    """
    height, width, features, groups = 4, 7, 6, 3
    layer = RowLSTM(3, num_channel_groups=groups, kernel_size=kernel_size)
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
    r = kernel_size // 2
    feature_group = channel_group(np.arange(features), features, groups)
    expected = np.zeros_like(depends)
    for i, j, g in np.ndindex(height, width, groups):
        expected[i, j, g, i, j] = feature_group <= g
        expected[i, j, g, i, max(j - r, 0) : j] = True
        for d in range(1, i + 1):
            expected[i, j, g, i - d, max(j - (d + 1) * r, 0) : j + d * r + 1] = True
    np.testing.assert_array_equal(depends, expected)


def test_gate_bias_is_a_bias_of_the_gates():
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 2)).astype(np.float32)
    gate_bias = np.random.default_rng(4).normal(size=(1, 1, 1, 8)).astype(np.float32)
    layer = RowLSTM(2)
    plain = layer(x)
    shifted = layer(x, gate_bias=np.repeat(gate_bias, 2, axis=0))
    layer.bias.assign(layer.bias + gate_bias[0, 0, 0])
    np.testing.assert_allclose(shifted, layer(x), atol=1e-6)
    assert not np.allclose(shifted, plain)


def test_functional_with_a_gate_bias_and_unknown_batch():
    features = keras.Input((3, 4, 2))
    bias = keras.Input((1, 1, 8))
    model = keras.Model([features, bias], RowLSTM(2)(features, gate_bias=bias))
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
        (dict(units=2, kernel_size=2), "kernel_size"),
    ],
)
def test_constructor_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RowLSTM(**kwargs)


def test_dtypes():
    x = np.ones((1, 2, 3, 2), np.float32)
    assert RowLSTM(2, dtype="mixed_float16")(x).dtype == tf.float16
    layer = RowLSTM(2, dtype="float64")
    assert layer(x).dtype == tf.float64
    assert all(w.dtype == "float64" for w in layer.weights)


@pytest.mark.parametrize(
    "row_input, groups, condition",
    [(False, 1, "label"), (False, 3, "map"), (True, 1, "map")],
)
def test_cached_steps_equal_call(row_input, groups, condition):
    """The state-to-state part once per row, the input-to-state window and
    the update per position (a whole row at once for an input known by rows);
    a condition map's gate term differs at every position."""
    x = np.random.default_rng(3).normal(size=(2, 4, 5, 3)).astype(np.float32)
    inputs = keras.Input((4, 5, 3))
    spec, terms, value, classes = step_condition(condition, (4, 5))
    y = Shift("down")(inputs) if row_input else inputs
    gate_bias = ConditionalBias(4 * 6, classes)(terms)
    model = keras.Model([inputs, spec], RowLSTM(6, groups)(y, gate_bias=gate_bias))
    perturb_weights(model, 0.3)
    assert_steps_match_call(model, x, value)
