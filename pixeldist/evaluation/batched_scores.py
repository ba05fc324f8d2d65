"""Log-likelihoods of many images, a bounded batch at a time."""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from pixeldist.evaluation.image_checks import checked_condition, checked_images


def image_bits(dist, images, conditional_input=None, batch_size: int = 256):
    """Code lengths `-log2 p(x | h)` in bits, NumPy `[batch...]`.

    Images and conditions are checked, broadcast against each other, and
    scored `batch_size` at a time (the network's activations for every image
    at once could fill the memory).
    """
    return _scores(dist, images, conditional_input, batch_size, per_pixel=False)


def pixel_bits(dist, images, conditional_input=None, batch_size: int = 256):
    """Per-pixel code lengths in bits, NumPy `[batch..., H, W]`: the chain-rule
    terms `-log2 p(x[i, j, c] | earlier)` of `pixel_log_prob`, summed over the
    channels of each pixel. They sum to `image_bits`."""
    return _scores(dist, images, conditional_input, batch_size, per_pixel=True)


def bits_per_dim_of(bits, image_shape) -> np.ndarray:
    """Bits `[batch...]` of whole images to bits per dimension."""
    return np.asarray(bits) / math.prod(image_shape)


def _scores(dist, images, conditional_input, batch_size, per_pixel):
    if not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
        raise ValueError(f"`batch_size` must be an integer >= 1, got {batch_size!r}.")
    images = checked_images(images, dist.image_shape, dist.low, dist.high)
    condition, condition_rank = checked_condition(dist, conditional_input)
    batch_shape = images.shape[:-3]
    if condition is not None:
        condition_batch = condition.shape[: condition.shape.rank - condition_rank]
        batch_shape = tf.broadcast_static_shape(batch_shape, condition_batch)
        condition = tf.broadcast_to(
            condition,
            batch_shape + condition.shape[condition.shape.rank - condition_rank :],
        )
        condition = tf.reshape(condition, [-1, *condition.shape[len(batch_shape) :]])
    images = tf.reshape(
        tf.broadcast_to(images, batch_shape + images.shape[-3:]),
        [-1, *dist.image_shape],
    )  # [N, H, W, C]
    chunks = []
    for start in range(0, int(images.shape[0]), batch_size):
        stop = start + batch_size
        chunk_condition = None if condition is None else condition[start:stop]
        if per_pixel:
            log_prob = dist.pixel_log_prob(
                images[start:stop], conditional_input=chunk_condition
            )  # [n, H, W, C]
            log_prob = tf.reduce_sum(log_prob, axis=-1)  # [n, H, W]
        else:
            log_prob = dist.log_prob(
                images[start:stop], conditional_input=chunk_condition
            )
        chunks.append(-log_prob.numpy().astype(np.float64) / math.log(2.0))
    tail = list(dist.image_shape[:2]) if per_pixel else []
    if not chunks:
        return np.zeros([*batch_shape, *tail])
    return np.concatenate(chunks).reshape([*batch_shape, *tail])
