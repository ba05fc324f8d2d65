import numpy as np
import pytest

import pixeldist


def test_bits_per_dim_per_example():
    log_prob = np.array([[-np.log(2) * 12, 0.0]])
    result = pixeldist.bits_per_dim(log_prob, (2, 3, 2)).numpy()
    assert result.shape == (1, 2)
    np.testing.assert_allclose(result, [[1.0, 0.0]], atol=1e-7)


def test_uniform_model_has_log2_levels_bits():
    levels, shape = 17, (8, 8, 1)
    log_prob = -np.prod(shape) * np.log(levels)
    np.testing.assert_allclose(
        pixeldist.bits_per_dim(log_prob, shape), np.log2(levels), rtol=1e-6
    )


def test_bad_shape():
    with pytest.raises(ValueError, match="image_shape"):
        pixeldist.bits_per_dim([-1.0], (0, 3, 1))
