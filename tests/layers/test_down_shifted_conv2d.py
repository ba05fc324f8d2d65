"""DownShiftedConv2D: the shared layer checks, values and the rows it reads."""

import numpy as np
import pytest
import tensorflow as tf
from harness import run_layer_test

from pixeldist.layers.down_shifted_conv2d import DownShiftedConv2D


def _reference(x, kernel, bias, shift):
    """Explicit sum: y[i, j] = sum K[a, d] x[i - shift - kh + 1 + a, j - kw//2 + d]."""
    n, height, width, _ = x.shape
    kh, kw, _, filters = kernel.shape
    y = np.zeros((n, height, width, filters)) + bias
    for i, j, a, d in np.ndindex(height, width, kh, kw):
        row, col = i - shift - kh + 1 + a, j - kw // 2 + d
        if 0 <= row < height and 0 <= col < width:
            y[:, i, j] += x[:, row, col] @ kernel[a, d]
    return y


@pytest.mark.parametrize("shift", [0, 1])
def test_layer_harness(shift):
    data = np.random.default_rng(0).normal(size=(2, 5, 4, 3)).astype(np.float32)
    run_layer_test(
        DownShiftedConv2D,
        dict(filters=4, kernel_size=(2, 3), shift=shift),
        data,
        (2, 5, 4, 4),
    )


@pytest.mark.parametrize("kernel_size, shift", [((2, 3), 0), ((2, 3), 1), ((3, 5), 2)])
def test_values_match_the_explicit_sum(kernel_size, shift):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 6, 2))
    layer = DownShiftedConv2D(3, kernel_size, shift=shift, dtype="float64")
    layer.build(x.shape)
    layer.kernel.assign(rng.normal(size=layer.kernel.shape))
    layer.bias.assign(rng.normal(size=3))
    np.testing.assert_allclose(
        layer(x),
        _reference(x, layer.kernel.numpy(), layer.bias.numpy(), shift),
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.parametrize("shift", [0, 1])
def test_output_row_reads_the_rows_above(shift):
    """Output (3, 2) of a 2×3 kernel reads rows 2-shift..3-shift, columns 1..3."""
    layer = DownShiftedConv2D(2, (2, 3), shift=shift)
    x = tf.constant(np.random.default_rng(2).normal(size=(1, 6, 5, 1)), tf.float32)
    layer(x)
    layer.kernel.assign(tf.ones_like(layer.kernel))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x)[0, 3, 2])
    reads = tape.gradient(y, x)[0, ..., 0].numpy() != 0
    expected = np.zeros((6, 5), bool)
    expected[2 - shift : 4 - shift, 1:4] = True
    np.testing.assert_array_equal(reads, expected)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(filters=2, kernel_size=(2, 2)),
        dict(filters=2, kernel_size=(2, 3), shift=-1),
        dict(filters=2, kernel_size=(2, 3, 3)),
    ],
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="kernel_size|shift"):
        DownShiftedConv2D(**kwargs)


def test_mixed_precision_dtype():
    out = DownShiftedConv2D(2, 3, shift=1, dtype="mixed_float16")(np.ones((1, 3, 3, 1)))
    assert out.dtype == tf.float16
