"""SpatialCondition: the learned up-sampling of a condition map."""

import numpy as np
import pytest
import tensorflow as tf
from harness import run_layer_test

from pixeldist.layers import SpatialCondition


@pytest.mark.parametrize("map_size", [(2, 3), (4, 6), (1, 1)])
def test_layer_harness(map_size):
    data = np.random.default_rng(0).normal(size=(2, *map_size, 3)).astype(np.float32)
    run_layer_test(
        SpatialCondition,
        dict(features=5, image_size=(4, 6)),
        data,
        (2, 4, 6, 5),
        step_input=None,  # it reads the condition, never the image
    )


def test_each_condition_position_reaches_its_block_and_its_neighbours_only():
    """Up-sampling by (2, 3) then a 3×3 blend: the features at (0, 0) of the
    image see the condition at (0, 0) and at its neighbours' blocks, and the
    features far away do not."""
    layer = SpatialCondition(4, (6, 9))
    condition = tf.constant(
        np.random.default_rng(1).normal(size=(1, 3, 3, 2)), tf.float32
    )
    with tf.GradientTape() as tape:
        tape.watch(condition)
        features = layer(condition)
        corner = tf.reduce_sum(features[0, 0, 0])
    reads = np.abs(tape.gradient(corner, condition)[0].numpy()).sum(-1) > 0
    assert reads[0, 0] and not reads[2, 2]


@pytest.mark.parametrize("map_size", [(3, 3), (4, 4)])
def test_maps_that_do_not_divide_the_image_are_refused(map_size):
    with pytest.raises(ValueError, match="conditional_shape"):
        SpatialCondition(4, (4, 6))(np.zeros((1, *map_size, 2), np.float32))
