"""The inputs every pixeldist network takes: the image and the condition."""

from __future__ import annotations

import keras


def network_inputs(
    image_shape: tuple[int, int, int],
    num_classes: int | None,
    conditional_shape: tuple[int, ...] | None,
    dtype: str | None = None,
) -> tuple[keras.KerasTensor, keras.KerasTensor | None]:
    """`keras.Input`s for an image scaled to [-1, 1] and the conditional input.

    Returns `(image [batch, H, W, C], condition)` where `condition` is an int32
    label `[batch]` when `num_classes` is set, a float vector `[batch, d]` when
    `conditional_shape` is set (a scalar condition arrives as `[batch, 1]`), and
    `None` for an unconditional network.
    """
    image = keras.Input(shape=tuple(image_shape), dtype=dtype, name="image")
    if num_classes is not None:
        return image, keras.Input(shape=(), dtype="int32", name="label")
    if conditional_shape is not None:
        size = 1
        for d in conditional_shape:
            size *= int(d)
        return image, keras.Input(shape=(size,), dtype=dtype, name="condition")
    return image, None
