"""SpatialLSTM: layer checks, a pixel-by-pixel oracle, and its full receptive field."""

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

from pixeldist.layers import ConditionalBias, MaskedConv2D
from pixeldist.layers.causal_mask import channel_group
from pixeldist.layers.spatial_lstm import SpatialLSTM


def _sweep(gates, recurrent_kernel, columns, cells=False):
    """One direction in image coordinates, a double loop over the pixels.

    The state at (i, j) reads the states above, (i - 1, j), and beside,
    (i, j -/+ 1), one forget gate each; outside the image the states are 0.
    Returns the hidden states (and the cell states with `cells=True`).
    """
    batch, height, width, five_units = gates.shape
    units = five_units // 5
    hidden = np.zeros((batch, height + 1, width + 2, units))  # zero border
    cell = np.zeros_like(hidden)
    step = 1 if columns[0] == 0 else -1
    for i in range(height):
        for j in columns:
            above, beside = (i, j + 1), (i + 1, j + 1 - step)
            pre = (
                gates[:, i, j]
                + hidden[:, above[0], above[1]] @ recurrent_kernel[0]
                + hidden[:, beside[0], beside[1]] @ recurrent_kernel[1]
            )
            gi, fa, fb, go, gg = np.split(pre, 5, axis=-1)
            c = (
                expit(fa) * cell[:, above[0], above[1]]
                + expit(fb) * cell[:, beside[0], beside[1]]
                + expit(gi) * np.tanh(gg)
            )
            cell[:, i + 1, j + 1] = c
            hidden[:, i + 1, j + 1] = expit(go) * np.tanh(c)
    if cells:
        return hidden[:, 1:, 1:-1], cell[:, 1:, 1:-1]
    return hidden[:, 1:, 1:-1]


def _spatial_lstm_oracle(layer, x, above=None, gate_bias=None):
    width = x.shape[2]
    kernel = layer.input_kernel.numpy() * layer.input_mask  # [F, 10u]
    gates = x @ kernel + layer.bias.numpy()  # [N, H, W, 10u]
    left_to_right, right_to_left = np.split(gates, 2, axis=-1)
    if above is not None:
        right_to_left = right_to_left + above @ layer.above_kernel.numpy()
    if gate_bias is not None:
        left_to_right = left_to_right + gate_bias
        right_to_left = right_to_left + gate_bias
    recurrent = layer.recurrent_kernel.numpy()  # [direction, (above, beside), u, 5u]
    forward = _sweep(left_to_right, recurrent[0], list(range(width)))
    backward = _sweep(right_to_left, recurrent[1], list(range(width))[::-1])
    shifted = np.zeros_like(backward)
    shifted[:, 1:] = backward[:, :-1]  # row i gets row i - 1
    return forward + shifted


def _jacobian_support(fn, inputs, groups):
    """support[k][i, j, g, i', j', f]: does unit group g of `fn(*inputs)` at
    (i, j) depend on `inputs[k][i', j', f]`?"""
    inputs = [tf.constant(v) for v in inputs]
    with tf.GradientTape(persistent=True) as tape:
        for v in inputs:
            tape.watch(v)
        out = fn(*inputs)  # [N, H, W, u]
        per_group = tf.stack(
            [tf.reduce_sum(p, -1) for p in tf.split(out, groups, axis=-1)], -1
        )
    return [
        np.abs(tape.batch_jacobian(per_group, v).numpy()).max(axis=0) > 0
        for v in inputs
    ]


def _past(height, width, channels, groups, current):
    """allowed[i, j, g, i', j', c]: earlier positions, and at (i, j) the
    channels `current(g)` selects."""
    allowed = np.zeros((height, width, groups, height, width, channels), bool)
    for i, j, g in np.ndindex(height, width, groups):
        allowed[i, j, g, :i] = True
        allowed[i, j, g, i, :j] = True
        allowed[i, j, g, i, j] = current(g)
    return allowed


@pytest.mark.parametrize("groups", [3])
def test_layer_harness(groups):
    data = np.random.default_rng(0).normal(size=(2, 4, 5, 6)).astype(np.float32)
    run_layer_test(
        SpatialLSTM, dict(units=3, num_channel_groups=groups), data, (2, 4, 5, 3)
    )


@pytest.mark.parametrize("height, width", [(4, 5), (5, 3), (3, 1), (1, 4)])
def test_matches_the_oracle(height, width):
    """Skewing, the diagonal scan, both directions, both forget gates and the
    shift agree with a double loop over the pixels in image coordinates."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, height, width, 6)).astype(np.float32)
    above = rng.normal(size=(3, height, width, 2)).astype(np.float32)
    gate_bias = rng.normal(size=(3, 1, 1, 15)).astype(np.float32)
    layer = SpatialLSTM(3, num_channel_groups=3)
    layer(x, above_inputs=above)
    perturb_weights(layer, 0.5)
    np.testing.assert_allclose(
        layer(x, above_inputs=above),
        _spatial_lstm_oracle(layer, x, above),
        atol=1e-5,
    )
    np.testing.assert_allclose(
        layer(x, above_inputs=above, gate_bias=gate_bias),
        _spatial_lstm_oracle(layer, x, above, gate_bias),
        atol=1e-5,
    )
    plain = SpatialLSTM(3)  # without `above_inputs`
    plain(x)
    perturb_weights(plain, 0.5)
    np.testing.assert_allclose(plain(x), _spatial_lstm_oracle(plain, x), atol=1e-5)


@pytest.mark.parametrize("height, width, perturb", [(4, 6, False), (5, 3, True)])
def test_receptive_field_is_exactly_the_past(height, width, perturb):
    """For fresh or perturbed weights (masked entries set too), unit group g
    at (i, j) reads every feature of every earlier position and the current
    position's feature groups <= g, and the `above_inputs` of the rows above
    at columns >= j (all channels: only the next row's outputs read them,
    through the right-to-left sweep), and nothing else."""
    features, groups = 6, 3
    layer = SpatialLSTM(3, num_channel_groups=groups)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, height, width, features)).astype(np.float32)
    above = rng.normal(size=(16, height, width, 2)).astype(np.float32)
    layer(x, above_inputs=above)
    if perturb:
        perturb_weights(layer, 1.0)
        layer.input_kernel.assign(tf.ones_like(layer.input_kernel))
    depends_x, depends_above = _jacobian_support(
        lambda x, a: layer(x, above_inputs=a), [x, above], groups
    )
    feature_group = channel_group(np.arange(features), features, groups)
    expected = _past(height, width, features, groups, lambda g: feature_group <= g)
    np.testing.assert_array_equal(depends_x, expected)
    expected_above = np.zeros_like(depends_above)
    for i, j in np.ndindex(height, width):
        expected_above[i, j, :, :i, j:] = True
    np.testing.assert_array_equal(depends_above, expected_above)


def _two_layer_network(image_shape, above):
    """A mask-A 7×7 convolution and two residual spatial LSTM layers, reading
    the image as `above_inputs` or not."""
    image = keras.Input(image_shape)
    x = MaskedConv2D(4, 7, "A")(image)
    for _ in range(2):
        h = SpatialLSTM(2)(x, above_inputs=image if above else None)
        x = keras.layers.Add()([x, MaskedConv2D(4, 1, "B")(h)])
    return keras.Model(image, x)


def test_no_blind_spot_in_a_two_layer_network():
    """Behind a mask-A input convolution, the output at every pixel depends on
    every earlier pixel and on no later one, including those up and to the
    right (the last pixel of the row above, seen from the first pixel).

    Without the image as `above_inputs` that pixel is missed from the columns
    more than 3 to its left (the 7×7 kernel's reach): the check can fail."""
    height, width = 3, 8
    x = np.random.default_rng(3).uniform(-1, 1, (8, height, width, 1))
    x = x.astype(np.float32)
    allowed = _past(height, width, 1, 1, lambda g: False)
    network = _two_layer_network((height, width, 1), above=True)
    (depends,) = _jacobian_support(network, [x], 1)
    np.testing.assert_array_equal(depends, allowed)
    assert depends[-1, -1, 0].sum() == height * width - 1  # the last pixel
    assert depends[1, 0, 0, 0, width - 1, 0]  # up and to the right
    blind = _jacobian_support(_two_layer_network((height, width, 1), False), [x], 1)
    assert not blind[0][1, 0, 0, 0, width - 1, 0]
    assert not np.array_equal(blind[0], allowed)


def test_gate_bias_is_a_bias_of_both_directions():
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 2)).astype(np.float32)
    gate_bias = np.random.default_rng(4).normal(size=(1, 1, 1, 10)).astype(np.float32)
    layer = SpatialLSTM(2)
    plain = layer(x)
    shifted = layer(x, gate_bias=np.repeat(gate_bias, 2, axis=0))
    layer.bias.assign(layer.bias + np.tile(gate_bias[0, 0, 0], 2))
    np.testing.assert_allclose(shifted, layer(x), atol=1e-6)
    assert not np.allclose(shifted, plain)


def test_above_inputs_must_be_given_consistently():
    x = np.zeros((1, 2, 3, 2), np.float32)
    layer = SpatialLSTM(2)
    layer(x)
    with pytest.raises(ValueError, match="above_inputs"):
        layer(x, above_inputs=x)


def test_functional_with_inputs_above_a_gate_bias_and_unknown_batch():
    features = keras.Input((3, 4, 2))
    image = keras.Input((3, 4, 1))
    bias = keras.Input((1, 1, 10))
    output = SpatialLSTM(2)(features, above_inputs=image, gate_bias=bias)
    model = keras.Model([features, image, bias], output)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(5, 3, 4, 2)).astype(np.float32)
    a = rng.normal(size=(5, 3, 4, 1)).astype(np.float32)
    b = np.zeros((5, 1, 1, 10), np.float32)
    assert model([x, a, b]).shape == (5, 3, 4, 2)
    predict = tf.function(
        model,
        input_signature=[
            [
                tf.TensorSpec([None, 3, 4, 2]),
                tf.TensorSpec([None, 3, 4, 1]),
                tf.TensorSpec([None, 1, 1, 10]),
            ]
        ],
    )
    np.testing.assert_allclose(predict([x, a, b]), model([x, a, b]), atol=1e-6)


def test_get_config_round_trip_and_saving(tmp_path):
    features = keras.Input((3, 4, 2))
    image = keras.Input((3, 4, 1))
    layer = SpatialLSTM(3, num_channel_groups=3, name="slstm")
    model = keras.Model([features, image], layer(features, above_inputs=image))
    perturb_weights(model, 0.3)
    config = layer.get_config()
    assert (config["units"], config["num_channel_groups"]) == (3, 3)
    clone = SpatialLSTM.from_config(config)
    assert clone.get_config() == config
    rng = np.random.default_rng(6)
    inputs = [rng.normal(size=(2, 3, 4, n)).astype(np.float32) for n in (2, 1)]
    clone(inputs[0], above_inputs=inputs[1])
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(
        clone(inputs[0], above_inputs=inputs[1]), model(inputs)
    )
    path = str(tmp_path / "model.keras")
    model.save(path)
    np.testing.assert_array_equal(keras.models.load_model(path)(inputs), model(inputs))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(units=0), "units"),
        (dict(units=2.5), "units"),
        (dict(units=2, num_channel_groups=3), "num_channel_groups"),
    ],
)
def test_constructor_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SpatialLSTM(**kwargs)


def test_dtypes():
    x = np.ones((1, 2, 3, 2), np.float32)
    assert SpatialLSTM(2, dtype="mixed_float16")(x, above_inputs=x).dtype == tf.float16
    layer = SpatialLSTM(2, dtype="float64")
    assert layer(x).dtype == tf.float64
    assert all(w.dtype == "float64" for w in layer.weights)


def test_forget_biases_of_zero_keep_the_cell_state_small():
    """Two forget gates starting at 1/2 each: at initialization a cell is
    about the mean of its predecessors, so on a 28×28 map (55 diagonals) the
    cells stay small; with the forget biases of a one-dimensional LSTM (1:
    0.73 + 0.73 per step) they grow by orders of magnitude. On 64×64 the
    gradients stay finite."""
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(1, 28, 28, 4)).astype(np.float32)
    layer = SpatialLSTM(4)
    layer(x, above_inputs=x)

    def largest_cell(bias):
        gates = x @ (layer.input_kernel.numpy() * layer.input_mask)[:, :20] + bias
        recurrent = layer.recurrent_kernel.numpy()[0]
        return np.abs(_sweep(gates, recurrent, list(range(28)), cells=True)[1]).max()

    forget = np.zeros(20, np.float32)
    forget[4:12] = 1.0  # f_above and f_beside of 4 units
    assert largest_cell(0.0) < 50.0
    assert largest_cell(forget) > 1e4 * largest_cell(0.0)
    x = tf.constant(np.random.default_rng(1).normal(size=(1, 64, 64, 4)), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(layer(x, above_inputs=x)[:, -1, -1])
    grads = tape.gradient(loss, [x, *layer.trainable_weights])
    assert all(np.all(np.isfinite(g)) for g in grads)


@pytest.mark.parametrize("groups, condition", [(1, "label"), (3, "map")])
def test_cached_steps_equal_call(groups, condition):
    """The right-to-left sweep over the row above at each row's start (from
    the features and the inputs above), one left-to-right step per position;
    a map's gate term moves with the position."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 5, 3)).astype(np.float32)
    inputs = keras.Input((4, 5, 3))
    spec, terms, value, classes = step_condition(condition, (4, 5))
    gate_bias = ConditionalBias(5 * 6, classes)(terms)
    # The layer's input as computed per position, and the raw input as the
    # inputs above (a function of each row, used from the next one on).
    features = keras.layers.Dense(4)(inputs)
    lstm = SpatialLSTM(6, groups)
    output = lstm(features, above_inputs=inputs, gate_bias=gate_bias)
    model = keras.Model([inputs, spec], output)
    perturb_weights(model, 0.3)
    assert_steps_match_call(model, x, value)
