"""`StepInput` reads, `write_at` and ring caches: the index arithmetic of
every cached step."""

import numpy as np
import pytest
import tensorflow as tf

from pixeldist.layers.cached_step import new_cache, ring_caches, write_at, write_cache
from pixeldist.layers.once_per_graph import once_per_graph
from pixeldist.layers.step_input import StepInput

PADDING = (2, 1, 1)  # above, left, right


def _input(cache):
    return StepInput(None, (3, 4, 2), tf.float32, cache=cache, padding=PADDING)


def _cache():
    above, left, right = PADDING
    values = np.arange(2 * (above + 3) * (left + 4 + right) * 2, dtype=np.float32)
    return values.reshape(2, above + 3, left + 4 + right, 2)


@pytest.mark.parametrize("as_tensor", [False, True])
@pytest.mark.parametrize("row, col", [(0, 0), (2, 3), (-1, 0), (-1, 4)])
def test_reads_index_the_cache_in_the_inputs_coordinates(as_tensor, row, col):
    cache = _cache()
    x = _input(tf.constant(cache))
    index = tf.constant if as_tensor else int
    above, left, _ = PADDING
    expected = cache[:, above + row - 1 : above + row + 1, left + col - 1 : left + col]
    window = x.read(index(row - 1), 2, index(col - 1), 1)
    np.testing.assert_array_equal(window, expected)
    np.testing.assert_array_equal(
        x.read_at(index(row), index(col)), cache[:, above + row, left + col]
    )
    np.testing.assert_array_equal(
        x.read_row(index(row), -1, 3), cache[:, above + row, left - 1 : left + 2]
    )


def test_a_read_without_a_cache_says_so():
    x = StepInput(None, (3, 4, 2), tf.float32)
    with pytest.raises(RuntimeError, match="no cache"):
        x.read_at(0, 0)


@pytest.mark.parametrize("eager", [True, False])
def test_writes_in_one_graph_share_the_batch_indices(eager):
    def write_twice(buffer, pixel, line, row, col):
        buffer = write_at(buffer, (row, col), pixel)  # [N, D] at (row, col)
        return write_at(buffer, (row + 1,), line)  # [N, W, D] at row + 1

    function = write_twice if eager else tf.function(write_twice, autograph=False)
    buffer = tf.zeros([3, 4, 5, 2])
    pixel = tf.reshape(tf.range(6, dtype=tf.float32), [3, 2]) + 1
    line = tf.fill([3, 5, 2], -1.0)
    written = function(buffer, pixel, line, tf.constant(1), tf.constant(2)).numpy()
    expected = np.zeros([3, 4, 5, 2], np.float32)
    expected[:, 1, 2] = pixel
    expected[:, 2] = -1
    np.testing.assert_array_equal(written, expected)


def test_a_loop_body_makes_its_own_shared_values():
    seen = []

    def body(i, y):
        seen.append(once_per_graph("value", lambda: y * 2))
        seen.append(once_per_graph("value", lambda: y * 3))  # shared: not made
        return i + 1, seen[-1]

    @tf.function(autograph=False)
    def function(x):
        outer = once_per_graph("value", lambda: x + 1)
        y = tf.while_loop(lambda i, y: i < 2, body, (0, x))[1]
        return outer, y

    outer, y = function(tf.constant(1.0))
    assert seen[0] is seen[1]
    assert float(outer) == 2.0 and float(y) == 4.0  # x + 1; x * 2 * 2


@pytest.mark.parametrize("as_tensor", [False, True])
@pytest.mark.parametrize("width", [2, 9])  # either gather first (`_gather_2d`)
def test_a_ring_cache_reads_what_a_whole_cache_reads(as_tensor, width):
    """Written in raster order (a whole row at odd rows), a ring of
    `rows_back + 1` rows (made inside `ring_caches`) and a whole cache give
    the same windows of rows `i - rows_back .. i`, the padding rows above
    the map among them, and the same values at and left of the latest
    position."""
    height, depth, padding, rows_back = 6, 2, (2, 1, 1), 2
    shape = (height, width, depth)
    index = tf.constant if as_tensor else int
    whole = new_cache(3, shape, padding, tf.float32, rows_back)  # not a ring
    with ring_caches():
        ring = new_cache(3, shape, padding, tf.float32, rows_back)
    assert whole.shape[1] == 2 + height and ring.shape[1] == rows_back + 1
    rng = np.random.default_rng(0)
    for row in range(height):
        if row % 2:  # a row-scheduled write
            line = rng.normal(size=(3, width, depth)).astype(np.float32)
            whole = write_cache(whole, padding, line, index(row))
            ring = write_cache(ring, padding, line, index(row), None, height)
        for col in range(width):
            if not row % 2:
                value = rng.normal(size=(3, depth)).astype(np.float32)
                whole = write_cache(whole, padding, value, index(row), index(col))
                ring = write_cache(ring, padding, value, index(row), index(col), height)
            reads = []
            for cache in (whole, ring):
                x = StepInput(None, shape, tf.float32, cache=cache, padding=padding)
                top, left = index(row - rows_back), index(col - 1)
                reads.append(
                    [
                        x.read(top, rows_back, left, 3).numpy(),  # rows above
                        x.read(index(row), 1, left, 2).numpy(),  # at and left
                        x.read_at(index(row - 1), index(col)).numpy(),
                        x.read_row(index(row - rows_back), -1, width + 2).numpy(),
                    ]
                )
            for from_whole, from_ring in zip(*reads, strict=True):
                np.testing.assert_array_equal(from_ring, from_whole)
