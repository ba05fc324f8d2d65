"""The inputs every pixeldist network takes: the image and the condition."""

from __future__ import annotations

import math

import keras

from pixeldist.layers.spatial_condition import SpatialCondition


def network_inputs(
    image_shape: tuple[int, int, int],
    num_classes: int | None,
    conditional_shape: tuple[int, ...] | None,
    dtype: str | None = None,
) -> tuple[keras.KerasTensor, keras.KerasTensor | None]:
    """`keras.Input`s for the image and the conditional input.

    Returns `(image [batch, H, W, C], condition)` where `condition` is an int32
    label `[batch]` when `num_classes` is set, a float feature map
    `[batch, h, w, c]` when `conditional_shape` has rank 3 (a spatial
    condition), a float vector `[batch, d]` for another `conditional_shape`
    (a scalar condition arrives as `[batch, 1]`), and `None` for an
    unconditional network. (`image_shape` is the network's input: with
    one-hot codes `C` counts the codes of every channel.)
    """
    image = keras.Input(shape=tuple(image_shape), dtype=dtype, name="image")
    if num_classes is not None:
        return image, keras.Input(shape=(), dtype="int32", name="label")
    if conditional_shape is not None:
        shape = tuple(int(d) for d in conditional_shape)
        if len(shape) != 3:
            shape = (math.prod(shape),)
        return image, keras.Input(shape=shape, dtype=dtype, name="condition")
    return image, None


def condition_features(
    condition: keras.KerasTensor | None,
    image_shape,
    features: int,
    dtype: str | None = None,
) -> keras.KerasTensor | None:
    """What the layers' conditioning terms read: `SpatialCondition`'s `m(s)
    [batch, H, W, features]` for a spatial condition, else the condition."""
    if condition is None or len(condition.shape) != 4:
        return condition
    return SpatialCondition(features, tuple(image_shape)[:2], dtype=dtype)(condition)
