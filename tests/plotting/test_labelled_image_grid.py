import numpy as np
import pytest

from pixeldist.plotting import image_grid, labelled_image_grid

WHITE = (255, 255, 255)
RED = (230, 30, 30)


def _images(rows, cols, size, channels=1, value=0):
    return np.full((rows, cols, size, size, channels), value)


@pytest.mark.parametrize(
    "size, tile", [(8, 64), (28, 84), (32, 64), (5, 65), (100, 100)]
)
def test_small_images_are_enlarged_to_a_readable_size(size, tile):
    picture = labelled_image_grid(_images(2, 3, size), high=1)
    assert picture.shape == (2 * (tile + 2) + 2, 3 * (tile + 2) + 2, 3)


def test_enlarging_repeats_pixels():
    images = np.arange(4).reshape(1, 1, 2, 2, 1)
    picture = labelled_image_grid(images, high=3, tile_size=6)  # 3x, 2px padding
    expected = np.repeat(np.repeat([[0, 85], [170, 255]], 3, axis=0), 3, axis=1)
    np.testing.assert_array_equal(picture[2:8, 2:8, 0], expected)
    np.testing.assert_array_equal(picture[2:8, 2:8, 1], expected)


def test_labels_go_in_a_column_left_of_their_rows():
    images = _images(3, 2, 8, value=16)  # white images: only labels are dark
    plain = labelled_image_grid(images, high=16)
    labelled = labelled_image_grid(images, high=16, row_labels=["real 0", "", "x"])
    assert labelled.shape[0] == plain.shape[0]
    left = labelled.shape[1] - plain.shape[1]
    assert left > 20
    np.testing.assert_array_equal(labelled[:, left:], plain)
    for row, has_text in enumerate([True, False, True]):
        band = labelled[2 + row * 66 : 2 + row * 66 + 64, :left]
        assert (band.min() < 128) == has_text


def test_marks_draw_a_line_where_the_known_rows_end():
    picture = labelled_image_grid(_images(3, 2, 8), high=1, row_marks=[None, 3, 8])
    red = np.all(picture == RED, axis=-1)  # [height, width]
    red_rows = np.flatnonzero(red.all(axis=1))
    # Grid row 1 starts at 2 + 66; image row 3 starts 3 * 8 below; 2 px thick.
    # Grid row 2 starts at 2 + 2 * 66; the line at its bottom edge stays inside.
    assert list(red_rows) == [68 + 24 - 1, 68 + 24, 134 + 62, 134 + 63]


def test_groups_of_rows_are_set_apart():
    images = _images(5, 2, 8)
    plain = labelled_image_grid(images, high=1)
    grouped = labelled_image_grid(
        images, high=1, rows_per_group=2, row_labels=list("abcde"), row_marks=[1] * 5
    )
    # Groups (2, 2, 1 rows): two gaps of 10 white pixels more.
    assert grouped.shape[0] == plain.shape[0] + 2 * 2 + 2 * 10
    red_rows = np.flatnonzero(np.all(grouped == RED, axis=-1).any(axis=1))
    group_height = 2 * 66 + 2 + 10
    tops = [2, 68, group_height + 2, group_height + 68, 2 * group_height + 2]
    assert list(red_rows) == [y for top in tops for y in (top + 7, top + 8)]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"row_labels": ["a"]}, "row_labels.*one entry per row"),
        ({"row_marks": [1, 2, 3]}, "row_marks.*one entry per row"),
        ({"row_marks": [9, None]}, r"\[0, 8\]"),
    ],
)
def test_bad_labels_or_marks(kwargs, match):
    with pytest.raises(ValueError, match=match):
        labelled_image_grid(_images(2, 1, 8), high=1, **kwargs)


def test_bad_rank():
    with pytest.raises(ValueError, match="rows, cols"):
        labelled_image_grid(np.zeros((3, 4, 4, 1)), high=1)


def test_colour_images():
    images = np.zeros((1, 2, 32, 32, 3))
    images[..., 0] = 255
    picture = labelled_image_grid(images, high=255, row_labels=["airplane"])
    assert picture.shape[0] == 66 + 2
    assert tuple(picture[10, -10]) == (255, 0, 0)
    assert tuple(picture[0, -10]) == WHITE


def test_image_grid_scale():
    images = _images(1, 2, 3, value=0)
    grid = image_grid(images, high=1, padding=1, scale=4)
    assert grid.shape == (1 * 13 + 1, 2 * 13 + 1, 3)
    np.testing.assert_array_equal(grid[1:13, 1:13], 0)  # a black 12x12 tile
    np.testing.assert_array_equal(grid[:, 13], 255)  # then a white separator
    with pytest.raises(ValueError, match="scale"):
        image_grid(images, high=1, scale=0)
