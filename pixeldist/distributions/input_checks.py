"""Checks of user input shared by the image distributions.

Every check names the argument and what was expected. Shape checks use static
shapes and raise `ValueError` at once. Value checks raise `ValueError` in
eager code and add a `tf.debugging.Assert` (raising `InvalidArgumentError`
when run) inside graphs. XLA-compiled code cannot raise, so callers validate
before entering compiled code.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def value_check(condition: tf.Tensor, message: str) -> list[tf.Operation]:
    """Raises `ValueError(message)` now (eager) or returns an assert op (graph)."""
    if tf.executing_eagerly():
        if not bool(condition):
            raise ValueError(message)
        return []
    return [tf.debugging.Assert(condition, [message])]


def check_event_shape(value: tf.Tensor, event_shape, name: str) -> list[tf.Operation]:
    """`value` must have shape `[batch..., *event_shape]`.

    Known dimensions are checked now (`ValueError`); dimensions unknown while
    tracing a graph (for instance `[None, None, None, None]` inside Keras'
    `fit`) get a run-time assertion, returned as ops.
    """
    event_shape = tuple(event_shape)
    expected = f"[..., {', '.join(map(str, event_shape))}]"
    shape = value.shape
    if shape.rank is not None:
        if shape.rank < len(event_shape):
            raise ValueError(
                f"`{name}` must have shape {expected} (rank >= {len(event_shape)}), "
                f"got shape {shape}."
            )
        tail = shape[shape.rank - len(event_shape) :]
        if not tail.is_compatible_with(event_shape):
            raise ValueError(f"`{name}` must have shape {expected}, got shape {shape}.")
        if tail.is_fully_defined() or not event_shape:
            return []
    if shape.rank is None or tf.executing_eagerly() or not event_shape:
        return []
    tail = tf.shape(value)[shape.rank - len(event_shape) :]
    return [
        tf.debugging.Assert(
            tf.reduce_all(tf.equal(tail, tf.constant(event_shape, tail.dtype))),
            [f"`{name}` must have shape {expected}; its last dimensions are", tail],
        )
    ]


def check_finite(value: tf.Tensor, name: str) -> list[tf.Operation]:
    if not value.dtype.is_floating:
        return []
    return value_check(
        tf.reduce_all(tf.math.is_finite(value)),
        f"`{name}` contains values that are not finite (NaN or inf).",
    )


def check_integer_values_in_range(
    value: tf.Tensor, low, high, name: str
) -> list[tf.Operation]:
    """Checks, in this order: finite, within [low, high], integer-valued."""
    ops = check_finite(value, name)
    with tf.control_dependencies(ops):
        low_t = tf.cast(low, value.dtype)
        high_t = tf.cast(high, value.dtype)
        ops += value_check(
            tf.reduce_all((value >= low_t) & (value <= high_t)),
            f"`{name}` has values outside [low, high] = [{low}, {high}].",
        )
    if value.dtype.is_floating:
        with tf.control_dependencies(ops):
            ops += value_check(
                tf.reduce_all(tf.equal(value, tf.round(value))),
                f"`{name}` is not integer-valued: it must hold integers in "
                f"[{low}, {high}] (images scaled to [0, 1] must be converted back "
                "to integer levels).",
            )
    return ops


def check_labels(labels: tf.Tensor, num_classes: int, name: str) -> list[tf.Operation]:
    """Class labels: integers in [0, num_classes)."""
    if labels.dtype.is_floating:
        ops = check_finite(labels, name)
        with tf.control_dependencies(ops):
            ops += value_check(
                tf.reduce_all(tf.equal(labels, tf.round(labels))),
                f"`{name}` must hold integer class labels; got non-integer values.",
            )
    elif labels.dtype.is_integer:
        ops = []
    else:
        raise TypeError(f"`{name}` must hold integer class labels, got {labels.dtype}.")
    with tf.control_dependencies(ops):
        ops += value_check(
            tf.reduce_all(
                (labels >= 0) & (labels < tf.cast(num_classes, labels.dtype))
            ),
            f"`{name}` has labels outside [0, num_classes) = [0, {num_classes}).",
        )
    return ops


def broadcast_batch_shapes(
    shape_a, shape_b, name_a: str, name_b: str
) -> tf.TensorShape:
    """Static broadcast of two batch shapes, with an error naming both."""
    try:
        return tf.broadcast_static_shape(
            tf.TensorShape(shape_a), tf.TensorShape(shape_b)
        )
    except ValueError:
        raise ValueError(
            f"Batch shapes of `{name_a}` {tf.TensorShape(shape_a)} and `{name_b}` "
            f"{tf.TensorShape(shape_b)} do not broadcast."
        ) from None


def check_sample_shape(sample_shape) -> tf.Tensor:
    """`sample_shape` as an int32 vector; negative counts are an error."""
    static = tf.get_static_value(tf.convert_to_tensor(sample_shape, tf.int32))
    if static is not None and np.any(np.asarray(static) < 0):
        raise ValueError(f"`sample_shape` must be non-negative, got {static.tolist()}.")
    return tf.reshape(tf.convert_to_tensor(sample_shape, tf.int32), [-1])
