"""ShiftedConv2DTranspose: layer checks, values by explicit scatter, what it writes."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import assert_steps_match_call, perturb_weights, run_layer_test

from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.layers.shifted_conv2d_transpose import ShiftedConv2DTranspose


def _reference(x, kernel, bias, direction, strides):
    """y[s i + a, t j + d - offset] += K[a, d] x[i, j], cropped to [s H, t W]."""
    n, height, width, _ = x.shape
    kh, kw, filters, _ = kernel.shape
    s, t = strides
    offset = (kw - 1) // 2 if direction == "down" else 0
    y = np.zeros((n, s * height, t * width, filters)) + bias
    for i, j, a, d in np.ndindex(height, width, kh, kw):
        row, col = s * i + a, t * j + d - offset
        if row < s * height and 0 <= col < t * width:
            y[:, row, col] += x[:, i, j] @ kernel[a, d].T
    return y


@pytest.mark.parametrize("direction", ["down", "down_right"])
def test_layer_harness(direction):
    data = np.random.default_rng(0).normal(size=(2, 2, 3, 3)).astype(np.float32)
    run_layer_test(
        ShiftedConv2DTranspose,
        dict(filters=4, direction=direction),
        data,
        (2, 4, 6, 4),
        step_input=None,  # a coarse input: `test_cached_steps_equal_call`
    )


@pytest.mark.parametrize(
    "direction, kernel_size, strides",
    [
        ("down", (2, 3), (2, 2)),
        ("down", (3, 5), (2, 1)),
        ("down_right", (2, 2), (2, 2)),
        ("down_right", (3, 1), (1, 2)),
    ],
)
@pytest.mark.parametrize("use_weight_norm", [False, True])
def test_values_match_the_explicit_scatter(
    direction, kernel_size, strides, use_weight_norm
):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4, 2))
    layer = ShiftedConv2DTranspose(
        3,
        kernel_size,
        direction,
        strides,
        use_weight_norm=use_weight_norm,
        dtype="float64",
    )
    layer.build(x.shape)
    layer.kernel.assign(rng.normal(size=layer.kernel.shape))
    layer.bias.assign(rng.normal(size=3))
    kernel = layer.kernel.numpy()  # [kh, kw, out, in]
    if use_weight_norm:
        layer.g.assign(rng.normal(size=3))
        norm = np.sqrt((kernel**2).sum(axis=(0, 1, 3)))  # per output feature
        kernel = kernel * (layer.g.numpy() / norm)[:, None]
    expected = _reference(x, kernel, layer.bias.numpy(), direction, strides)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    "direction, rows, cols",
    [
        ("down", slice(4, 6), slice(3, 6)),  # rows 2i..2i+1, columns 2j-1..2j+1
        ("down_right", slice(4, 6), slice(4, 6)),  # rows 2i..2i+1, columns 2j..2j+1
    ],
)
def test_input_reaches_no_row_above_its_anchor(direction, rows, cols):
    """Coarse input (2, 2) reaches exactly these fine outputs, for all-ones weights."""
    layer = ShiftedConv2DTranspose(2, None, direction, use_weight_norm=False)
    x = tf.constant(np.random.default_rng(2).normal(size=(1, 4, 4, 1)), tf.float32)
    layer(x)
    layer.kernel.assign(tf.ones_like(layer.kernel))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)[0, ..., 0]  # [8, 8]
    jacobian = tape.jacobian(y, x)[..., 0, 2, 2, 0].numpy()  # d y[r, c] / d x[2, 2]
    expected = np.zeros((8, 8), bool)
    expected[rows, cols] = True
    np.testing.assert_array_equal(jacobian != 0, expected)


def test_centred_columns_need_room():
    with pytest.raises(ValueError, match="width"):
        ShiftedConv2DTranspose(2, (2, 3), "down", strides=3)
    ShiftedConv2DTranspose(2, (2, 3), "down_right", strides=3)  # no centring needed


@pytest.mark.parametrize("direction", ["down", "down_right"])
def test_cached_steps_equal_call(direction):
    """Up-sampling a coarse map: the steps write each coarse value into a
    dilated cache and correlate it with the flipped kernel. The "down" layer
    reads columns right of the output, so its input is the vertical stream
    (known by rows); the "down_right" one steps from a position input."""
    x = np.random.default_rng(3).normal(size=(2, 4, 6, 3)).astype(np.float32)
    inputs = keras.Input((4, 6, 3))
    shift = 1 if direction == "down" else 0
    coarse = ShiftedConv2D(5, None, direction, 2, shift, use_data_init=False)
    up = ShiftedConv2DTranspose(4, None, direction, use_data_init=False)
    model = keras.Model(inputs, up(coarse(inputs)))
    perturb_weights(model, 0.3)
    assert_steps_match_call(model, x)
