"""`mutate`: each value replaced with probability `rate` by a uniform level."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import tensorflow as tf

from pixeldist.evaluation import mutate


def test_rate_zero_keeps_and_rate_one_replaces_uniformly():
    images = np.full((200, 8, 8, 1), 3, np.uint8)
    kept = mutate(images, 0.0, 0, 16, seed=1)
    np.testing.assert_array_equal(kept.numpy(), images)
    replaced = mutate(images, 1.0, 0, 16, seed=1).numpy()
    assert replaced.dtype == np.uint8
    counts = np.bincount(replaced.ravel(), minlength=17)
    assert len(counts) == 17  # nothing above `high`
    assert scipy.stats.chisquare(counts).pvalue > 1e-3


def test_the_fraction_of_mutated_values_is_the_rate():
    images = np.full((100, 8, 8, 3), -1, np.int32)  # outside the range: marks
    mutated = mutate(images, 0.2, 0, 255, seed=7).numpy()
    fraction = np.mean(mutated != -1)
    # 19,200 values: the binomial's standard deviation is 0.003.
    assert abs(fraction - 0.2) < 0.015
    assert mutated[mutated != -1].min() >= 0 and mutated.max() <= 255


def test_same_seed_same_result_and_a_data_set_pipeline():
    images = np.random.default_rng(0).integers(0, 17, (16, 4, 4, 1))
    first = mutate(images, 0.5, 0, 16, seed=3).numpy()
    np.testing.assert_array_equal(first, mutate(images, 0.5, 0, 16, seed=3).numpy())
    assert not np.array_equal(first, mutate(images, 0.5, 0, 16, seed=4).numpy())
    dataset = tf.data.Dataset.from_tensor_slices(images).enumerate()
    mutated = dataset.map(
        lambda index, image: mutate(image, 0.5, 0, 16, seed=tf.stack([index, 9]))
    )
    pipeline = np.stack(list(mutated.as_numpy_iterator()))
    assert pipeline.shape == images.shape
    assert 0.3 < np.mean(pipeline != images) < 0.6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rate": 1.5}, "`rate` must be a number in \\[0, 1\\]"),
        ({"rate": "0.2"}, "`rate`"),
        ({"low": 5, "high": 5}, "low < high"),
        ({"low": 0.0}, "integers"),
        ({"seed": [1, 2, 3]}, "`seed`"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    arguments = {"rate": 0.2, "low": 0, "high": 16, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        mutate(np.zeros((1, 2, 2, 1)), **arguments)
