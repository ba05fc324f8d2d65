"""Bits per dimension, the field's unit for image log-likelihoods."""

from __future__ import annotations

import math

import tensorflow as tf


def bits_per_dim(log_prob, image_shape) -> tf.Tensor:
    """Per-example bits per dimension: `-log_prob / (H * W * C * ln 2)`.

    Args:
      log_prob: natural-log probabilities of whole images, any shape.
      image_shape: `(H, W, C)` of the images.

    Returns:
      A float tensor of the shape of `log_prob`.
    """
    log_prob = tf.convert_to_tensor(log_prob)
    if not log_prob.dtype.is_floating:
        log_prob = tf.cast(log_prob, tf.float32)
    num_dims = math.prod(int(d) for d in image_shape)
    if num_dims < 1:
        raise ValueError(f"`image_shape` must have positive sizes, got {image_shape}.")
    return -log_prob / tf.cast(num_dims * math.log(2.0), log_prob.dtype)
