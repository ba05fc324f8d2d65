"""GatedResidualBlock: layer checks, the gate by hand, causality, dropout, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import (
    assert_steps_match_call,
    perturb_weights,
    run_layer_test,
    run_model_saving_test,
    step_condition,
)

from pixeldist.layers import Shift
from pixeldist.layers.gated_residual_block import GatedResidualBlock


@pytest.mark.parametrize(
    "direction, activation", [("down", "concat_elu"), ("down_right", "elu")]
)
def test_layer_harness(direction, activation):
    data = np.random.default_rng(0).normal(size=(2, 4, 5, 3)).astype(np.float32)
    run_layer_test(
        GatedResidualBlock,
        dict(direction=direction, activation=activation, dropout_p=0.2),
        data,
        (2, 4, 5, 3),
        step_input="row" if direction == "down" else "position",
    )


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _elu(z):
    return np.where(z > 0, z, np.expm1(z))


def _concat_elu(z):
    return np.concatenate([_elu(z), _elu(-z)], axis=-1)


def test_gate_by_hand():
    """y = x + a sigmoid(b), [a, b] = conv_out(f(conv_in(f x) + nin(f aux))) + V h."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 4, 2))
    aux = rng.normal(size=(3, 4, 4, 5))
    labels = np.array([0, 2, 1])
    block = GatedResidualBlock("down", num_classes=3, dtype="float64")
    out = block(x, auxiliary=aux, condition=labels).numpy()
    perturb_weights(block, 0.5)
    out = block(x, auxiliary=aux, condition=labels).numpy()
    c = block.conv_in(_concat_elu(x)).numpy()
    c += block.auxiliary_projection(_concat_elu(aux)).numpy()
    c = block.conv_out(_concat_elu(c)).numpy()
    c += block.conditional_bias.table.numpy()[labels][:, None, None, :]
    a, b = c[..., :2], c[..., 2:]
    np.testing.assert_allclose(out, x + a * _sigmoid(b), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("direction", ["down", "down_right"])
def test_keeps_the_causality_of_its_inputs(direction):
    """Output (i, j) reads x and aux at (i', j') <= (i, j) only: rows above, and
    for down_right no column to the right in its rows."""
    block = GatedResidualBlock(direction)
    x = tf.constant(np.random.default_rng(2).normal(size=(1, 6, 6, 2)), tf.float32)
    aux = tf.constant(np.random.default_rng(3).normal(size=(1, 6, 6, 3)), tf.float32)
    block(x, auxiliary=aux)
    perturb_weights(block, 1.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, aux])
        y = tf.reduce_sum(block(x, auxiliary=aux)[0, 3, 3])
    # x passes two convolutions, aux one (after a 1×1 projection).
    for inputs, reach in ((x, 2), (aux, 1)):
        reads = np.abs(tape.gradient(y, inputs)[0].numpy()).sum(-1) > 0  # [6, 6]
        assert not reads[4:].any()  # nothing below row 3
        assert reads[3, 3] and reads[3 - reach, 3]
        if direction == "down_right":
            assert not reads[:, 4:].any()  # nothing right of column 3
            assert reads[3 - reach, 3 - reach]
        else:
            assert reads[3 - reach, 3 + reach]  # 2×3 kernels reach to the right
            assert not reads[:, 4 + reach :].any()


def test_dropout_only_when_training():
    x = np.random.default_rng(4).normal(size=(2, 4, 4, 3)).astype(np.float32)
    block = GatedResidualBlock("down", dropout_p=0.5, use_data_init=False)
    np.testing.assert_array_equal(block(x), block(x))
    assert not np.allclose(block(x, training=True), block(x, training=True))


def test_functional_model_with_auxiliary_and_condition_saves(tmp_path):
    x_in = keras.Input((4, 4, 3))
    aux_in = keras.Input((4, 4, 6))
    condition_in = keras.Input((2,))
    y = GatedResidualBlock("down_right", dropout_p=0.1)(
        x_in, auxiliary=aux_in, condition=condition_in
    )
    model = keras.Model([x_in, aux_in, condition_in], y)
    rng = np.random.default_rng(5)
    inputs = [
        rng.normal(size=s).astype(np.float32)
        for s in [(2, 4, 4, 3), (2, 4, 4, 6), (2, 2)]
    ]
    model(inputs, training=True)  # data-dependent initialization
    run_model_saving_test(model, inputs, tmp_path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        GatedResidualBlock("down", activation="no_such_activation")
    with pytest.raises(ValueError, match="dropout_p"):
        GatedResidualBlock("down", dropout_p=1.0)


@pytest.mark.parametrize(
    "direction, auxiliary, activation, condition",
    [
        ("down", None, "concat_elu", "label"),
        ("down", "row", "elu", "map"),
        ("down_right", "row", "concat_elu", "label"),
        ("down_right", "position", "sigmoid", "map"),  # f(0) != 0 outside
    ],
)
def test_cached_steps_equal_call(direction, auxiliary, activation, condition):
    """A "down" block reads its row to the right: its inputs are known by
    rows (shifted down here); a "down_right" block steps per position. The
    block caches `f(x)` and `f(c)`, so the padding stays zero for any `f`."""
    x = np.random.default_rng(3).normal(size=(2, 4, 5, 4)).astype(np.float32)
    inputs = keras.Input((4, 5, 4))
    spec, terms, value, classes = step_condition(condition, (4, 5))
    rows = Shift("down")(inputs)
    block = GatedResidualBlock(
        direction, activation=activation, use_data_init=False, num_classes=classes
    )
    aux = {"row": rows, "position": inputs, None: None}[auxiliary]
    main = rows if direction == "down" else inputs
    model = keras.Model([inputs, spec], block(main, auxiliary=aux, condition=terms))
    perturb_weights(model, 0.3)
    assert_steps_match_call(model, x, value)
