"""Low-resolution versions of images: the condition of a super-resolution model."""

from __future__ import annotations

import tensorflow as tf


def low_resolution(images, factor: int, high: int, low: int = 0) -> tf.Tensor:
    """The `factor`-times average-pooled image, scaled to `[-1, 1]`.

    `m = 2 (avgpool_f(x) - low) / (high - low) - 1`: every `f x f` block of
    pixel values becomes its mean, mapped as the networks map their input.
    The result is the `conditional_input` of a model built with
    `conditional_shape=(H // f, W // f, C)`:

    ```python
    dist = pixeldist.PixelCNN((8, 8, 1), high=16, conditional_shape=(2, 2, 1))
    condition = low_resolution(images, 4, high=16)  # [N, 2, 2, 1]
    dist.sample(3, conditional_input=condition[0])  # 3 images for one input
    ```

    `factor=1` only scales: use it for images that are already small.

    Args:
      images: pixel values in `[low, high]`, `[..., H, W, C]` (any real or
        integer dtype; a single image or a batch).
      factor: the pooling factor; it must divide `H` and `W`.
      high, low: the pixel value range.

    Returns:
      float32 `[..., H // factor, W // factor, C]`.
    """
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"`factor` must be an integer >= 1, got {factor!r}.")
    if not high > low:
        raise ValueError(f"`high` must be greater than `low`, got {high} and {low}.")
    images = tf.cast(tf.convert_to_tensor(images), tf.float32)
    if images.shape.rank is None or images.shape.rank < 3:
        raise ValueError(f"`images` must be [..., H, W, C], got shape {images.shape}.")
    height, width, channels = images.shape[-3:]
    if height % factor or width % factor:
        raise ValueError(
            f"`factor` {factor} must divide the image height and width, got "
            f"images of {height}x{width}."
        )
    batch_shape = tf.shape(images)[:-3]
    flat = tf.reshape(images, [-1, height, width, channels])
    pooled = tf.nn.avg_pool2d(flat, factor, factor, "VALID")
    pooled = tf.reshape(
        pooled,
        tf.concat([batch_shape, [height // factor, width // factor, channels]], 0),
    )
    return 2.0 * (pooled - low) / (high - low) - 1.0
