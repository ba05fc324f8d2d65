"""`offline_outlier_sets`: outliers of the reference's shape and range."""

from __future__ import annotations

import numpy as np
import pytest

from pixeldist.evaluation import offline_outlier_sets


@pytest.mark.parametrize(
    "shape, high, low", [((6, 8, 8, 1), 16, 0), ((3, 4, 6, 3), 9, 2)]
)
def test_sets_have_the_reference_shape_range_and_meaning(shape, high, low):
    reference = np.random.default_rng(0).integers(low, high + 1, shape)
    sets = offline_outlier_sets(reference, high, low, seed=1)
    assert list(sets) == [
        "uniform noise",
        "constant images",
        "inverted images",
        "photograph patches",
    ]
    for name, images in sets.items():
        assert images.shape == shape and images.dtype == np.int64, name
        assert images.min() >= low and images.max() <= high, name
    np.testing.assert_array_equal(sets["inverted images"], high + low - reference)
    constant = sets["constant images"]
    assert np.all(constant == constant[:, :1, :1, :1])
    patches = sets["photograph patches"]
    # Natural scenes are smooth: neighbours differ far less than in noise.
    smooth = np.abs(np.diff(patches, axis=2)).mean()
    rough = np.abs(np.diff(sets["uniform noise"], axis=2)).mean()
    assert smooth < 0.5 * rough
    again = offline_outlier_sets(reference, high, low, seed=1)
    np.testing.assert_array_equal(again["photograph patches"], patches)


def test_bad_references_are_named():
    with pytest.raises(ValueError, match="`reference` must have shape"):
        offline_outlier_sets(np.zeros((2, 8, 8, 2)), 16)
    with pytest.raises(ValueError, match="too large"):
        offline_outlier_sets(np.zeros((1, 200, 8, 1)), 16)
