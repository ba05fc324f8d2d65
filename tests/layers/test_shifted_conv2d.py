"""ShiftedConv2D: the shared layer checks, values by explicit sums, what it reads."""

import numpy as np
import pytest
import tensorflow as tf
from harness import run_layer_test

from pixeldist.layers.shifted_conv2d import ShiftedConv2D


def _reference(x, kernel, bias, direction, strides):
    """y[i, j] = b + sum K[a, d] x[s i - kh + 1 + a, t j - offset + d], 0 outside."""
    n, height, width, _ = x.shape
    kh, kw, _, filters = kernel.shape
    s, t = strides
    offset = (kw - 1) // 2 if direction == "down" else kw - 1
    out_h, out_w = -(-height // s), -(-width // t)
    y = np.zeros((n, out_h, out_w, filters)) + bias
    for i, j, a, d in np.ndindex(out_h, out_w, kh, kw):
        row, col = s * i - kh + 1 + a, t * j - offset + d
        if 0 <= row < height and 0 <= col < width:
            y[:, i, j] += x[:, row, col] @ kernel[a, d]
    return y


@pytest.mark.parametrize("direction, strides", [("down", 1), ("down_right", 2)])
def test_layer_harness(direction, strides):
    data = np.random.default_rng(0).normal(size=(2, 4, 6, 3)).astype(np.float32)
    out_shape = (2, 4 // strides, 6 // strides, 5)
    run_layer_test(
        ShiftedConv2D,
        dict(filters=5, direction=direction, strides=strides),
        data,
        out_shape,
    )


@pytest.mark.parametrize(
    "direction, kernel_size, strides",
    [
        ("down", (2, 3), (1, 1)),
        ("down", (3, 5), (2, 2)),
        ("down_right", (2, 2), (1, 1)),
        ("down_right", (2, 3), (2, 1)),
    ],
)
@pytest.mark.parametrize("use_weight_norm", [False, True])
def test_values_match_the_explicit_sum(
    direction, kernel_size, strides, use_weight_norm
):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 6, 2))
    layer = ShiftedConv2D(
        3, kernel_size, direction, strides, use_weight_norm, dtype="float64"
    )
    layer.build(x.shape)
    layer.kernel.assign(rng.normal(size=layer.kernel.shape))
    layer.bias.assign(rng.normal(size=3))
    kernel = layer.kernel.numpy()
    if use_weight_norm:
        layer.g.assign(rng.normal(size=3))
        norm = np.sqrt((kernel**2).sum(axis=(0, 1, 2)))
        kernel = kernel * layer.g.numpy() / norm  # g v / ||v||, per output
    expected = _reference(x, kernel, layer.bias.numpy(), direction, strides)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    "direction, strides, rows, cols",
    [
        ("down", 1, slice(2, 4), slice(1, 4)),  # rows i-1..i, columns j-1..j+1
        ("down_right", 1, slice(2, 4), slice(1, 3)),  # rows i-1..i, columns j-1..j
        ("down", 2, slice(5, 7), slice(3, 6)),  # window anchored at (2i, 2j) = (6, 4)
        ("down_right", 2, slice(5, 7), slice(3, 5)),
    ],
)
def test_output_reads_no_row_below_and_for_down_right_no_column_right(
    direction, strides, rows, cols
):
    """Output (3, 2) reads exactly its window, for weights that are all ones."""
    layer = ShiftedConv2D(2, None, direction, strides, use_weight_norm=False)
    x = tf.constant(np.random.default_rng(2).normal(size=(1, 8, 8, 1)), tf.float32)
    layer(x)
    layer.kernel.assign(tf.ones_like(layer.kernel))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x)[0, 3, 2])
    reads = tape.gradient(y, x)[0, ..., 0].numpy() != 0
    expected = np.zeros((8, 8), bool)
    expected[rows, cols] = True
    np.testing.assert_array_equal(reads, expected)


def test_strides_halve_odd_sizes_upwards():
    layer = ShiftedConv2D(2, None, "down", 2)
    assert layer(np.zeros((1, 5, 3, 1), np.float32)).shape == (1, 3, 2, 2)
    assert layer.compute_output_shape((None, 5, 3, 1)) == (None, 3, 2, 2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(direction="up"), "direction"),
        (dict(kernel_size=(2, 2)), "odd"),  # a "down" kernel is centred
        (dict(kernel_size=(2, 3, 3)), "kernel_size"),
        (dict(strides=0), "strides"),
        (dict(filters=0), "filters"),
        (dict(init_scale=0.0), "init_scale"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ShiftedConv2D(**{"filters": 2, **kwargs})


def test_mixed_precision_dtype():
    layer = ShiftedConv2D(2, None, "down_right", dtype="mixed_float16")
    out = layer(np.ones((1, 3, 3, 1), np.float32))
    assert out.dtype == tf.float16
    assert layer.kernel.dtype == layer.g.dtype == "float32"
