import numpy as np
import pytest

from pixeldist.plotting import labelled_image_grid, super_resolution_grid


def test_inputs_are_enlarged_blocks_above_their_samples():
    rng = np.random.default_rng(0)
    inputs = rng.uniform(0, 3, (2, 2, 2, 1))
    samples = rng.integers(0, 4, (3, 2, 8, 8, 1))
    originals = rng.integers(0, 4, (2, 8, 8, 1))
    picture = super_resolution_grid(inputs, samples, 4, high=3, originals=originals)
    enlarged = np.repeat(np.repeat(inputs, 4, axis=1), 4, axis=2)
    expected = labelled_image_grid(
        np.stack([originals, enlarged, *samples]),
        high=3,
        row_labels=[
            "original",
            "input (4x smaller)",
            "sample 1",
            "sample 2",
            "sample 3",
        ],
    )
    np.testing.assert_array_equal(picture, expected)
    without = super_resolution_grid(inputs, samples, 4, high=3)
    assert without.shape[0] == picture.shape[0] - 66


def test_samples_must_match_the_inputs():
    with pytest.raises(ValueError, match="must be \\[k, n, H, W, C\\]"):
        super_resolution_grid(np.zeros((2, 2, 2, 1)), np.zeros((3, 8, 8, 1)), 4, 3)
