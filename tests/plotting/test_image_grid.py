import numpy as np
import pytest
from PIL import Image

from pixeldist.plotting import image_grid, save_image_grid


def test_grid_layout_and_scaling():
    images = np.zeros((2, 3, 4, 5, 1))
    images[1, 2] = 16
    grid = image_grid(images, high=16, padding=1)
    assert grid.shape == (2 * 5 + 1, 3 * 6 + 1, 3)
    assert grid[0].min() == 255  # padding is white
    np.testing.assert_array_equal(grid[1:5, 1:6], 0)  # first tile black
    np.testing.assert_array_equal(grid[6:10, 13:18], 255)  # last tile white


def test_save_png(tmp_path):
    path = tmp_path / "grid.png"
    save_image_grid(
        path, np.random.default_rng(0).integers(0, 4, (2, 2, 3, 3, 3)), high=3
    )
    with Image.open(path) as picture:
        assert picture.size == ((2 * 4 + 1) * 4, (2 * 4 + 1) * 4)


def test_bad_rank():
    with pytest.raises(ValueError, match="rows, cols"):
        image_grid(np.zeros((3, 4, 4, 1)), high=1)
