"""The reference raster-order sampler: re-run the whole network per step."""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf


def sample_by_recomputation(
    pixel_distribution: Callable[[tf.Tensor], object],
    noise: tf.Tensor,
    steps_per_pixel: int,
    initial_images: tf.Tensor,
    first_pixel: int | tf.Tensor = 0,
    stop_pixel: int | tf.Tensor | None = None,
) -> tf.Tensor:
    """Generates images pixel by pixel in raster order, given all the noise.

    At step t (pixel p = t // steps_per_pixel, channel group g =
    t % steps_per_pixel) the network is evaluated on the current canvas, the
    likelihood of pixel p is formed, and the values of channel group g (all
    channels when `steps_per_pixel == 1`) are drawn from it by inverse CDF with
    `that pixel's noise. Because every draw is a deterministic function of
    its noise, any sampler that consumes the same noise at the same position
    returns the same images.

    Args:
      pixel_distribution: `images [N, H, W, C] -> per-pixel distribution with
        batch shape [N, H, W]` exposing `sample_from_noise(noise [..., C+1])`.
      noise: uniforms `[N, H, W, C + 1]` in [0, 1).
      steps_per_pixel: 1 (all channels of a pixel at once) or C (R, then G
        given R, then B given R and G).
      initial_images: `[N, H, W, C]` canvas; positions before `first_pixel`
        are kept (image completion), the rest is overwritten.
      first_pixel: raster index of the first pixel to generate.
      stop_pixel: raster index after the last pixel to generate (default
        `H·W`); later positions keep their `initial_images` values.

    Returns:
      `[N, H, W, C]` images of `initial_images.dtype` with integer values.
    """
    _, height, width, channels = initial_images.shape
    num_steps = height * width * steps_per_pixel
    first_step = tf.cast(first_pixel, tf.int32) * steps_per_pixel
    if stop_pixel is None:
        stop_pixel = height * width
    stop_step = tf.cast(stop_pixel, tf.int32) * steps_per_pixel
    channel_index = tf.range(channels)

    def body(step, images):
        pixel = step // steps_per_pixel
        group = step % steps_per_pixel
        values = pixel_distribution(images).sample_from_noise(noise)  # [N, H, W, C]
        at_pixel = tf.one_hot(pixel, height * width, on_value=True, off_value=False)
        at_pixel = tf.reshape(at_pixel, [height, width, 1])
        if steps_per_pixel == 1:
            in_group = tf.ones([channels], tf.bool)
        else:
            in_group = tf.equal(channel_index, group)
        update = tf.logical_and(at_pixel, in_group)  # [H, W, C]
        return step + 1, tf.where(update, tf.cast(values, images.dtype), images)

    _, images = tf.while_loop(
        lambda step, _: step < stop_step,
        body,
        (first_step, initial_images),
        maximum_iterations=num_steps,
    )
    return images
