"""Random perturbation of images, for training background models."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def mutate(images, rate: float, low: int, high: int, seed) -> tf.Tensor:
    """Replaces each value of `images` with probability `rate` by a uniform
    draw from `{low, ..., high}`.

    The perturbation of Ren et al. (2019): a model trained on mutated images
    learns their background statistics but not their content
    (`LikelihoodRatioDetector`). Each value (channel of a pixel) is mutated
    independently. Stateless: the same `seed` gives the same result, so it
    runs inside `tf.data` pipelines (pass a per-example seed, e.g. from
    `Dataset.enumerate`) and in graphs.

    Args:
      images: `[..., H, W, C]` numbers (the values are not checked: mutated
        values are in range whatever the others are).
      rate: the probability of mutating a value, in `[0, 1]`.
      low, high: the range of the replacement values, integers `low < high`.
      seed: an integer, or a shape-`[2]` integer tensor (a stateless seed).

    Returns:
      A tensor of the shape and dtype of `images`.
    """
    if not isinstance(rate, (int, float, np.integer, np.floating)) or not (
        0.0 <= float(rate) <= 1.0
    ):
        raise ValueError(f"`rate` must be a number in [0, 1], got {rate!r}.")
    if not all(isinstance(v, (int, np.integer)) for v in (low, high)) or low >= high:
        raise ValueError(
            f"`low` and `high` must be integers with low < high, got {low!r}, {high!r}."
        )
    images = tf.convert_to_tensor(images)
    if not (images.dtype.is_integer or images.dtype.is_floating):
        raise TypeError(f"`images` must hold numbers, got {images.dtype.name}.")
    seed = _stateless_seed(seed)
    mutate_seed, value_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, num=2)
    )
    shape = tf.shape(images)
    chosen = tf.random.stateless_uniform(shape, mutate_seed) < rate
    replacements = tf.random.stateless_uniform(
        shape, value_seed, minval=int(low), maxval=int(high) + 1, dtype=tf.int32
    )
    return tf.where(chosen, tf.cast(replacements, images.dtype), images)


def _stateless_seed(seed) -> tf.Tensor:
    if isinstance(seed, (int, np.integer)):
        return tf.constant([int(seed), 0], tf.int64)
    seed = tf.convert_to_tensor(seed)
    if not seed.dtype.is_integer or seed.shape.as_list() != [2]:
        raise ValueError(
            f"`seed` must be an integer or a shape-[2] integer tensor, got {seed!r}."
        )
    return tf.cast(seed, tf.int64)
