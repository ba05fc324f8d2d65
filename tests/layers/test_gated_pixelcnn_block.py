"""GatedPixelCNNBlock: layer checks, gate math by hand, causality for any weights."""

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

from pixeldist.layers import Shift
from pixeldist.layers.gated_pixelcnn_block import GatedPixelCNNBlock


class _OneTensorBlock(GatedPixelCNNBlock):
    """The block seen by `run_layer_test`, which calls layers on one tensor.

    The tensor is both stacks' input; the two outputs come back concatenated.
    """

    def build(self, input_shape):
        super().build([input_shape, input_shape])

    def call(self, inputs):
        return keras.ops.concatenate(super().call([inputs, inputs]), axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (2 * self.filters,)


@pytest.mark.parametrize("mask_type, groups", [("A", 1), ("A", 3), ("B", 1), ("B", 3)])
def test_layer_harness(mask_type, groups):
    channels = 3 if mask_type == "A" else 6  # mask B: the residual needs `filters`
    data = np.random.default_rng(0).normal(size=(2, 4, 5, channels)).astype(np.float32)
    run_layer_test(
        _OneTensorBlock,
        dict(filters=6, kernel_size=3, mask_type=mask_type, num_channel_groups=groups),
        data,
        (2, 4, 5, 12),
        step_input=None,  # a test-only wrapper: `test_cached_steps_equal_call`
    )


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _by_hand(block, vertical, horizontal, labels):
    """The block's outputs from its weights, position by position in numpy."""
    n, height, width, _ = vertical.shape
    p = block.filters
    kv, bv = (w.numpy() for w in block.vertical_conv.weights)  # [2, 3, Cv, 2p]
    kh, bh = (w.numpy() for w in block.horizontal_conv.weights)  # [1, 2, Ch, 2p]
    kl, bl = (w.numpy() for w in block.vertical_to_horizontal.weights)  # [1, 1, 2p, 2p]
    ko, bo = (w.numpy() for w in block.horizontal_output.weights)  # [1, 1, p, p]
    cond_v = block.vertical_condition.table.numpy()[labels]  # [N, 2p]
    cond_h = block.horizontal_condition.table.numpy()[labels]
    v_out = np.zeros((n, height, width, p))
    h_out = np.zeros((n, height, width, p))
    for i, j in np.ndindex(height, width):
        a_v = bv + cond_v  # rows i-1 and i (mask B: the input already excludes row i)
        for a, d in np.ndindex(2, 3):
            row, col = i - 1 + a, j - 1 + d
            if row >= 0 and 0 <= col < width:
                a_v = a_v + vertical[:, row, col] @ kv[a, d]
        a_h = bh + cond_h + a_v @ kl[0, 0] + bl
        a_h = a_h + horizontal[:, i, j] @ kh[0, 1]  # one group: mask B keeps all
        if j > 0:
            a_h = a_h + horizontal[:, i, j - 1] @ kh[0, 0]
        v_out[:, i, j] = np.tanh(a_v[:, :p]) * _sigmoid(a_v[:, p:])
        gate_h = np.tanh(a_h[:, :p]) * _sigmoid(a_h[:, p:])
        h_out[:, i, j] = horizontal[:, i, j] + gate_h @ ko[0, 0] + bo
    return v_out, h_out


def test_gate_math_by_hand():
    """tanh(W_f x + V_f h) * sigmoid(W_g x + V_g h) in both stacks, residual h."""
    rng = np.random.default_rng(3)
    block = GatedPixelCNNBlock(2, 3, "B", num_classes=3, dtype="float64")
    vertical = rng.normal(size=(3, 3, 4, 2))
    horizontal = rng.normal(size=(3, 3, 4, 2))
    labels = np.array([2, 0, 1])
    block([vertical, horizontal], condition=labels)
    perturb_weights(block, 0.5)
    v_out, h_out = block([vertical, horizontal], condition=labels)
    v_ref, h_ref = _by_hand(block, vertical, horizontal, labels)
    np.testing.assert_allclose(v_out, v_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_out, h_ref, rtol=1e-10, atol=1e-12)


def test_float_condition_projects_to_both_halves():
    rng = np.random.default_rng(4)
    block = GatedPixelCNNBlock(2, 3, "A")
    image = rng.normal(size=(2, 3, 3, 1)).astype(np.float32)
    condition = rng.normal(size=(2, 5)).astype(np.float32)
    v1, h1 = block([image, image], condition=condition)
    assert block.vertical_condition.kernel.shape == (5, 4)  # d -> 2p
    v2, h2 = block([image, image], condition=2 * condition)
    assert not np.allclose(v1, v2) and not np.allclose(h1, h2)


def test_first_block_is_causal_for_any_weights():
    """Mask A block on an RGB image, perturbed weights (masked entries too):
    the vertical stack at (i, j) sees rows < i; horizontal group g sees rows < i,
    the row to the left, and channels < g of (i, j)."""
    height, width, groups = 4, 4, 3
    block = GatedPixelCNNBlock(6, 3, "A", groups, num_classes=2)
    x = tf.constant(
        np.random.default_rng(5).normal(size=(8, height, width, 3)), tf.float32
    )
    labels = np.arange(8) % 2
    block([x, x], condition=labels)
    perturb_weights(block, 1.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        v, h = block([x, x], condition=labels)
        h_groups = tf.stack([tf.reduce_sum(t, -1) for t in tf.split(h, groups, -1)], -1)
        v_sum = tf.reduce_sum(v, -1)
    sees_v = np.abs(tape.batch_jacobian(v_sum, x).numpy()).max(0) > 0  # [H, W, H, W, C]
    sees_h = np.abs(tape.batch_jacobian(h_groups, x).numpy()).max(0) > 0
    for i, j in np.ndindex(height, width):
        expected_v = np.zeros((height, width, 3), bool)
        expected_v[max(i - 2, 0) : i, max(j - 1, 0) : j + 2] = True  # 2×3 window above
        np.testing.assert_array_equal(sees_v[i, j], expected_v, err_msg=f"v {i, j}")
        for g in range(groups):
            expected_h = np.zeros((height, width, 3), bool)
            expected_h[max(i - 2, 0) : i, max(j - 1, 0) : j + 2] = True  # via the link
            expected_h[i, max(j - 1, 0) : j] = True
            expected_h[i, j, :g] = True
            np.testing.assert_array_equal(
                sees_h[i, j, g], expected_h, err_msg=f"h {i, j, g}"
            )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(filters=4, kernel_size=4), "kernel_size"),
        (dict(filters=4, kernel_size=1), "kernel_size"),
        (dict(filters=2, num_channel_groups=3), "filters"),
        (dict(filters=4, mask_type="C"), "mask_type"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GatedPixelCNNBlock(**kwargs)


def test_residual_needs_filters_features_and_condition_must_match_build():
    x = np.zeros((1, 3, 3, 4), np.float32)
    with pytest.raises(ValueError, match="filters"):
        GatedPixelCNNBlock(6, 3, "B")([x, x])
    block = GatedPixelCNNBlock(4, 3, "B")
    block([x, x])
    with pytest.raises(ValueError, match="condition"):
        block([x, x], condition=np.zeros((1, 2), np.float32))


def test_config_round_trip():
    block = GatedPixelCNNBlock(8, 5, "A", 3, num_classes=7, name="b")
    config = block.get_config()
    clone = GatedPixelCNNBlock.from_config(config)
    assert clone.get_config() == config
    assert (clone.filters, clone.kernel_size, clone.mask_type) == (8, 5, "A")
    assert (clone.num_channel_groups, clone.num_classes) == (3, 7)


@pytest.mark.parametrize(
    "mask_type, groups, condition",
    [("A", 1, "label"), ("B", 3, "map"), ("A", 3, "map")],
)
def test_cached_steps_equal_call(mask_type, groups, condition):
    """The vertical stack once per row (mask A reads rows above the input;
    mask B's vertical input is known by rows), the horizontal one per
    position; both outputs of the block are compared."""
    x = np.random.default_rng(3).normal(size=(2, 4, 5, 6)).astype(np.float32)
    inputs = keras.Input((4, 5, 6))
    spec, terms, value, classes = step_condition(condition, (4, 5))
    vertical = inputs if mask_type == "A" else Shift("down")(inputs)
    block = GatedPixelCNNBlock(6, 3, mask_type, groups, num_classes=classes)
    outputs = block([vertical, inputs], condition=terms)
    model = keras.Model([inputs, spec], keras.layers.Concatenate()(outputs))
    perturb_weights(model, 0.3)
    assert_steps_match_call(model, x, value)
