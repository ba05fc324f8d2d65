"""Checks of the images and models that the scores receive."""

from __future__ import annotations

import tensorflow as tf

from pixeldist.distributions import input_checks
from pixeldist.distributions.autoregressive_image_distribution import (
    AutoregressiveImageDistribution,
)


def check_distribution(dist, name: str = "dist") -> AutoregressiveImageDistribution:
    """`dist` must be a pixeldist image distribution."""
    if not isinstance(dist, AutoregressiveImageDistribution):
        raise TypeError(
            f"`{name}` must be a pixeldist image distribution (PixelCNN, "
            f"GatedPixelCNN, PixelCNNPlusPlus, PixelRNN, ...), got "
            f"{type(dist).__name__}."
        )
    return dist


def checked_images(images, image_shape, low: int, high: int, name: str = "images"):
    """`images [batch..., H, W, C]` as a tensor, checked now whatever the
    model's `validate_args`: a score of an image outside the model's domain
    would be a silently wrong number.

    Raises:
      ValueError: wrong event shape, values not finite, not integers, or
        outside `[low, high]`.
      TypeError: values that are not numbers.
    """
    images = tf.convert_to_tensor(images)
    if not (images.dtype.is_integer or images.dtype.is_floating):
        raise TypeError(f"`{name}` must hold numbers, got {images.dtype.name}.")
    input_checks.check_event_shape(images, image_shape, name)
    if not tf.executing_eagerly():
        raise RuntimeError(
            "Images are scored in eager execution (the checks raise at once); "
            "call this outside a `tf.function`."
        )
    input_checks.check_integer_values_in_range(images, low, high, name)
    return images


def checked_condition(dist, conditional_input, name: str = "conditional_input"):
    """`conditional_input` as a tensor and the rank of one condition (0 for a
    label, 1 for a vector, 3 for a map), checked now: labels in
    `[0, num_classes)`, conditions finite and of the model's shape.

    Returns `(None, 0)` for an unconditional model given no condition.
    """
    if not dist.is_conditional:
        if conditional_input is not None:
            raise ValueError(f"`{name}` was given, but the model is not conditional.")
        return None, 0
    if conditional_input is None:
        raise ValueError(
            f"The model is conditional: pass `{name}` (class labels or "
            "conditions) for the images."
        )
    if dist.num_classes is not None:
        labels = tf.convert_to_tensor(conditional_input)
        input_checks.check_labels(labels, dist.num_classes, name)
        return labels, 0
    condition = tf.convert_to_tensor(conditional_input, dtype_hint=dist.dtype)
    input_checks.check_event_shape(condition, dist.conditional_shape, name)
    input_checks.check_finite(condition, name)
    return condition, len(dist.conditional_shape)
