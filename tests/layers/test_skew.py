"""skew / unskew: diagonals to columns and back, against an explicit index oracle."""

import numpy as np
import pytest
import tensorflow as tf

from pixeldist.layers.skew import (
    directions_as_columns,
    directions_from_columns,
    skew,
    unskew,
)

SHAPES = [(3, 4), (4, 3), (1, 5), (5, 1), (1, 1), (4, 4)]


def _random_map(height, width, features=2, batch=2):
    rng = np.random.default_rng(height * 10 + width)
    return rng.normal(size=(batch, height, width, features)).astype(np.float32) + 5.0


@pytest.mark.parametrize("height, width", SHAPES)
def test_skew_moves_row_i_right_by_i(height, width):
    x = _random_map(height, width)
    expected = np.zeros((2, height, width + height - 1, 2), np.float32)
    for i, j in np.ndindex(height, width):
        expected[:, i, i + j] = x[:, i, j]
    np.testing.assert_array_equal(skew(x).numpy(), expected)


@pytest.mark.parametrize("height, width", SHAPES)
def test_columns_of_the_skewed_map_are_diagonals(height, width):
    index = np.arange(height * width, dtype=np.float32).reshape(1, height, width, 1) + 1
    skewed = skew(index).numpy()[0, ..., 0]  # [H, W + H - 1]
    for t in range(width + height - 1):
        on_diagonal = {
            i * width + (t - i) + 1 for i in range(height) if 0 <= t - i < width
        }
        assert set(skewed[:, t][skewed[:, t] > 0].astype(int)) == on_diagonal


@pytest.mark.parametrize("height, width", SHAPES)
def test_round_trip(height, width):
    x = _random_map(height, width)
    np.testing.assert_array_equal(unskew(skew(x), width).numpy(), x)


def test_unskew_ignores_the_padding_triangles():
    x = _random_map(3, 4)
    skewed = skew(x).numpy()
    filled = skewed + (skewed == 0) * 100.0  # garbage outside the image
    np.testing.assert_array_equal(unskew(filled, 4).numpy(), x)


def test_unskew_rejects_a_wrong_width():
    with pytest.raises(ValueError, match="columns"):
        unskew(np.zeros((1, 3, 6, 1), np.float32), 5)


def test_unknown_batch_size_in_a_graph():
    fn = tf.function(
        lambda x: unskew(skew(x), 4),
        input_signature=[tf.TensorSpec([None, 3, 4, 2], tf.float32)],
    )
    x = _random_map(3, 4, batch=5)
    np.testing.assert_array_equal(fn(x).numpy(), x)


@pytest.mark.parametrize("height, width", [(3, 4), (4, 1), (1, 3)])
def test_directions_round_trip_through_the_diagonal_columns(height, width):
    """Column t of each direction holds that direction's diagonal t (the
    right-to-left map read from the right), and the inverse gives both maps
    back in image coordinates."""
    rng = np.random.default_rng(0)
    maps = rng.normal(size=(2, 2, height, width, 3)).astype(np.float32)
    left_to_right, right_to_left = maps
    columns = np.asarray(directions_as_columns(left_to_right, right_to_left))
    assert columns.shape == (width + height - 1, 2, 2, height, 3)
    for i in range(height):
        for j in range(width):
            np.testing.assert_allclose(columns[i + j, 0, :, i], left_to_right[:, i, j])
            np.testing.assert_allclose(
                columns[i + j, 1, :, i], right_to_left[:, i, width - 1 - j]
            )
    back = directions_from_columns(columns, width)
    np.testing.assert_allclose(back[0], left_to_right)
    np.testing.assert_allclose(back[1], right_to_left)
