import numpy as np
import pytest

from pixeldist.data import low_resolution


def test_blocks_become_their_scaled_mean():
    image = np.arange(16, dtype=np.uint8).reshape(4, 4, 1)
    pooled = low_resolution(image, 2, high=15).numpy()
    means = np.array([[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_allclose(pooled[..., 0], 2 * means / 15 - 1, rtol=1e-6)


def test_batch_shapes_and_range():
    rng = np.random.default_rng(0)
    images = rng.integers(3, 8, (2, 3, 8, 4, 2))
    pooled = low_resolution(images, 4, high=7, low=3).numpy()
    assert pooled.shape == (2, 3, 2, 1, 2)
    assert pooled.min() >= -1 and pooled.max() <= 1
    np.testing.assert_allclose(
        pooled[1, 2, 0, 0, 1],
        2 * (images[1, 2, :4, :4, 1].mean() - 3) / 4 - 1,
        rtol=1e-6,
    )


def test_factor_one_only_scales():
    images = np.array([[[[0], [16]]]])
    np.testing.assert_allclose(low_resolution(images, 1, high=16), [[[[-1], [1]]]])


@pytest.mark.parametrize(
    "factor, match", [(3, "must divide"), (0, "integer >= 1"), (2.0, "integer >= 1")]
)
def test_bad_factors(factor, match):
    with pytest.raises(ValueError, match=match):
        low_resolution(np.zeros((8, 8, 1)), factor, high=16)
