"""Bayes-rule classification with a class-conditional image model."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from pixeldist.evaluation.image_checks import check_distribution, checked_images


def class_probabilities(dist, images, prior=None, batch_size: int = 256) -> np.ndarray:
    """Posterior class probabilities `p(y | x)` `[batch..., num_classes]`.

    #### Mathematical details

    For a class-conditional model `p(x | y)` and a prior `p(y)`,

    ```none
    p(y | x) = p(x | y) p(y) / sum_k p(x | k) p(k)
    ```

    computed as a softmax of `log p(x | y) + log p(y)` over `y`: image
    log-likelihoods are hundreds of nats, so their exponentials would
    underflow. Every image is scored under every class in one batched
    `log_prob` (images `[1, n, H, W, C]` against labels `[K, 1]`).

    Args:
      dist: a class-conditional pixeldist distribution (`num_classes` set).
      images: `[batch..., H, W, C]` integers in `[dist.low, dist.high]`.
      prior: class probabilities `[num_classes]` (non-negative, summing to
        1); None for the uniform prior.
      batch_size: images per `log_prob` call (each call runs the network on
        `batch_size * num_classes` images).

    Returns:
      NumPy `[batch..., num_classes]` probabilities; each row sums to 1.

    Raises:
      ValueError: `dist` is not class-conditional, bad images, bad prior.
    """
    dist = check_distribution(dist)
    num_classes = dist.num_classes
    if num_classes is None:
        raise ValueError(
            "`dist` must be class-conditional (built with `num_classes`) to "
            "classify images by Bayes' rule."
        )
    images = checked_images(images, dist.image_shape, dist.low, dist.high)
    if not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
        raise ValueError(f"`batch_size` must be an integer >= 1, got {batch_size!r}.")
    log_prior = _log_prior(prior, num_classes, dist.dtype)  # [K]
    batch_shape = tf.shape(images)[:-3]
    flat = tf.reshape(images, [-1, *dist.image_shape])  # [N, H, W, C]
    labels = tf.range(num_classes)[:, None]  # [K, 1]
    log_likelihoods = [
        tf.transpose(
            dist.log_prob(
                flat[start : start + batch_size][None], conditional_input=labels
            )
        )  # [n, K]
        for start in range(0, int(flat.shape[0]), batch_size)
    ]
    if not log_likelihoods:
        log_likelihoods = [tf.zeros([0, num_classes], dist.dtype)]
    log_joint = tf.concat(log_likelihoods, axis=0) + log_prior  # [N, K]
    probabilities = tf.nn.softmax(log_joint, axis=-1)
    return tf.reshape(probabilities, tf.concat([batch_shape, [num_classes]], 0)).numpy()


def _log_prior(prior, num_classes: int, dtype) -> tf.Tensor:
    """`log p(y)` `[num_classes]` from `prior`, checked."""
    if prior is None:
        return tf.fill([num_classes], tf.constant(-np.log(num_classes), dtype))
    values = np.asarray(prior, dtype=np.float64)
    if values.shape != (num_classes,):
        raise ValueError(
            f"`prior` must have shape [num_classes] = [{num_classes}], "
            f"got shape {list(values.shape)}."
        )
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(
            f"`prior` must hold finite non-negative numbers, got {values}."
        )
    if abs(values.sum() - 1.0) > 1e-6:
        raise ValueError(f"`prior` must sum to 1, got a sum of {values.sum():.6g}.")
    with np.errstate(divide="ignore"):  # a class of prior 0 gets log p = -inf
        return tf.constant(np.log(values), dtype)
