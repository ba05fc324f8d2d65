"""CausalRowConv2D: the shared layer checks, values, and causality for any weights."""

import numpy as np
import pytest
import tensorflow as tf
from harness import perturb_weights, run_layer_test

from pixeldist.layers.causal_row_conv2d import CausalRowConv2D


@pytest.mark.parametrize(
    "mask_type, groups, blocks", [("A", 1, 1), ("B", 1, 2), ("A", 3, 2), ("B", 3, 1)]
)
def test_layer_harness(mask_type, groups, blocks):
    data = np.random.default_rng(0).normal(size=(2, 4, 5, 3)).astype(np.float32)
    run_layer_test(
        CausalRowConv2D,
        dict(
            filters=6,
            width=2,
            mask_type=mask_type,
            num_channel_groups=groups,
            num_output_blocks=blocks,
        ),
        data,
        (2, 4, 5, 6),
    )


def test_values_match_the_explicit_sum():
    """Grey mask B: y[i, j] = b + sum_{d < w} K[0, d] x[i, j - w + 1 + d]."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 5, 2))
    layer = CausalRowConv2D(3, 3, "B", dtype="float64")
    layer.build(x.shape)
    kernel = rng.normal(size=layer.kernel.shape)
    layer.kernel.assign(kernel)
    layer.bias.assign(rng.normal(size=3))
    expected = np.zeros((2, 3, 5, 3)) + layer.bias.numpy()
    for j, d in np.ndindex(5, 3):
        col = j - 2 + d
        if col >= 0:
            expected[:, :, j] += x[:, :, col] @ kernel[0, d]
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mask_type", ["A", "B"])
@pytest.mark.parametrize("blocks", [1, 2])
def test_current_pixel_by_channel_group_for_any_weights(mask_type, blocks):
    """Output group g at (1, 2) sees row 1, columns 0..1 fully, and at column 2
    the input groups < g (A) or <= g (B); in every output block alike."""
    groups, filters = 3, 6 * blocks
    layer = CausalRowConv2D(filters, 3, mask_type, groups, num_output_blocks=blocks)
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
    "kwargs",
    [
        dict(filters=4, width=2, mask_type="C"),
        dict(filters=4, width=0),
        dict(filters=5, width=2, num_output_blocks=2),
    ],
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="mask_type|width|filters"):
        CausalRowConv2D(**kwargs)
