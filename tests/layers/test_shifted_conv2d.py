"""ShiftedConv2D: the shared layer checks, values by explicit sums, what it
reads, its masked tap, and its cached steps."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import assert_steps_match_call, perturb_weights, run_layer_test

from pixeldist.layers import Shift
from pixeldist.layers.shifted_conv2d import ShiftedConv2D


def _reference(x, kernel, bias, direction, strides, shift=0, zero_border=False):
    """y[i, j] = b + sum K[a, d] x[s i - kh + 1 - r + a, t j - offset + d], 0
    outside, with the row shift r (down) or the column shift in the offset;
    zero in the first `shift` rows (columns) with `zero_border`."""
    n, height, width, _ = x.shape
    kh, kw, _, filters = kernel.shape
    s, t = strides
    rows = shift if direction == "down" else 0
    offset = (kw - 1) // 2 if direction == "down" else kw - 1 + shift
    out_h, out_w = -(-height // s), -(-width // t)
    y = np.zeros((n, out_h, out_w, filters)) + bias
    for i, j, a, d in np.ndindex(out_h, out_w, kh, kw):
        row, col = s * i - kh + 1 - rows + a, t * j - offset + d
        if 0 <= row < height and 0 <= col < width:
            y[:, i, j] += x[:, row, col] @ kernel[a, d]
    if zero_border and direction == "down":
        y[:, :shift] = 0.0
    elif zero_border:
        y[:, :, :shift] = 0.0
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
        step_input="row" if direction == "down" else "position",
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
@pytest.mark.parametrize(
    "use_weight_norm, shift, zero_border",
    [(False, 0, False), (True, 0, False), (False, 2, False), (True, 1, True)],
)
def test_values_match_the_explicit_sum(
    direction, kernel_size, strides, use_weight_norm, shift, zero_border
):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 6, 2))
    layer = ShiftedConv2D(
        3,
        kernel_size,
        direction,
        strides,
        shift,
        zero_border,
        use_weight_norm=use_weight_norm,
        dtype="float64",
    )
    layer.build(x.shape)
    layer.kernel.assign(rng.normal(size=layer.kernel.shape))
    layer.bias.assign(rng.normal(size=3))
    kernel = layer.kernel.numpy()
    if use_weight_norm:
        layer.g.assign(rng.normal(size=3))
        norm = np.sqrt((kernel**2).sum(axis=(0, 1, 2)))
        kernel = kernel * layer.g.numpy() / norm  # g v / ||v||, per output
    expected = _reference(
        x, kernel, layer.bias.numpy(), direction, strides, shift, zero_border
    )
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
    _assert_reads(layer, rows, cols)


@pytest.mark.parametrize(
    "direction, shift, rows, cols",
    [
        ("down", 1, slice(1, 3), slice(1, 4)),  # rows i-2..i-1
        ("down", 2, slice(0, 2), slice(1, 4)),
        ("down_right", 1, slice(2, 4), slice(0, 2)),  # columns j-2..j-1
    ],
)
def test_shift_moves_the_window_up_or_left(direction, shift, rows, cols):
    layer = ShiftedConv2D(2, None, direction, shift=shift, use_weight_norm=False)
    _assert_reads(layer, rows, cols)


def _assert_reads(layer, rows, cols):
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
        (dict(shift=-1), "shift"),
        (dict(mask_type="C", direction="down_right"), "mask_type"),
        (dict(mask_type="A", direction="down"), "mask_type"),
        (dict(mask_type="B", direction="down_right", shift=1), "mask_type"),
        (dict(filters=5, num_output_blocks=2), "filters"),
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


@pytest.mark.parametrize("mask_type", ["A", "B"])
@pytest.mark.parametrize("blocks", [1, 2])
def test_masked_tap_sees_the_pixel_by_channel_group_for_any_weights(mask_type, blocks):
    """A one-row down-right kernel (Gated PixelCNN's horizontal stack): output
    group g at (1, 2) sees row 1, columns 0..1 fully, and at column 2 the
    input groups < g (A) or <= g (B); in every output block alike."""
    groups, filters = 3, 6 * blocks
    layer = ShiftedConv2D(
        filters,
        (1, 3),
        "down_right",
        mask_type=mask_type,
        num_channel_groups=groups,
        num_output_blocks=blocks,
        use_weight_norm=False,
    )
    x = tf.constant(np.random.default_rng(2).normal(size=(1, 3, 4, 3)), tf.float32)
    layer(x)
    perturb_weights(layer, 1.0)  # the masked kernel entries move too
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)[0, 1, 2]  # [filters]
    jacobian = tape.jacobian(y, x)[:, 0].numpy() != 0  # [filters, H, W, C]
    for o in range(filters):
        g = (o % (filters // blocks)) * groups // (filters // blocks)
        expected = np.zeros((3, 4, 3), bool)
        expected[1, :2] = True
        expected[1, 2, : g + (mask_type == "B")] = True
        np.testing.assert_array_equal(jacobian[o], expected, err_msg=f"output {o}")


@pytest.mark.parametrize(
    "kwargs, row_input",
    [
        (dict(kernel_size=(2, 3), direction="down", shift=1), False),
        (dict(kernel_size=(2, 3), direction="down", shift=1, strides=2), False),
        (dict(kernel_size=(2, 3), direction="down"), True),  # reads its own row
        (dict(kernel_size=(2, 2), direction="down_right", strides=2), False),
        (
            dict(kernel_size=(2, 1), direction="down_right", shift=1, zero_border=True),
            False,
        ),
        (
            dict(
                kernel_size=(1, 2),
                direction="down_right",
                mask_type="B",
                num_channel_groups=3,
                num_output_blocks=2,
            ),
            False,
        ),
        (dict(kernel_size=(2, 2), direction="down_right"), True),
    ],
)
def test_cached_steps_equal_call(kwargs, row_input):
    """Stepping over an input in raster order gives `call`'s outputs; a
    window that reads right of the output needs an input known by rows."""
    x = np.random.default_rng(3).normal(size=(2, 4, 6, 3)).astype(np.float32)
    inputs = keras.Input((4, 6, 3))
    y = Shift("down")(inputs) if row_input else inputs
    layer = ShiftedConv2D(12, use_data_init=False, **kwargs)
    model = keras.Model(inputs, layer(y))
    perturb_weights(layer, 0.3)
    assert_steps_match_call(model, x)
