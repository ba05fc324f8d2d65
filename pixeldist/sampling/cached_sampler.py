"""Fast exact raster-order sampling with per-layer activation caches.

The generic loop of Ramachandran et al. (2017): instead of re-running the whole
network at every raster step (`sample_by_recomputation`), an *incremental
network* keeps, for every layer, the activations its receptive field will still
read, and computes only the new position at each step. The per-step work
drops from `O(H·W)` positions to `O(1)`, and the draws consume the same noise
at the same positions with the same rule, so the images are those of the
reference sampler for one seed (up to floating-point rounding of the network
outputs, which changes a draw only when a uniform falls within rounding
distance of a bin edge of the inverse CDF).

The incremental network is a `pixeldist.sampling.IncrementalNetwork`
(see its interface): per generation `prepare(condition)` and
`initial_state(batch_size)`, per row `start_row`, per pixel and channel group
`write_pixel` then `step`. At pixel p the loop writes the pixel's known
channels (the rest hold their initial values, which the network's
causality ignores), steps once per channel group on the same incoming state,
draws that group's values, and finally writes the whole pixel: the caches
then hold it for the later positions.

The loop runs over rows, then over the columns of a row, so `start_row`
costs nothing per pixel. Pixels before `first_pixel` (image completion) are
not drawn: the same loop body keeps their known values instead of its draws,
so the graph holds the network's steps once.

The whole generation is meant to run in one `tf.function(jit_compile=True)`:
on a CPU the per-step overhead of op dispatch, not the arithmetic, decides the
speed, and XLA fuses a step's few matmuls and element-wise ops.

#### References

[1]: Prajit Ramachandran, Tom Le Paine, Pooya Khorrami, Mohammad Babaeizadeh,
     Shiyu Chang, Yang Zhang, Mark A. Hasegawa-Johnson, Roy H. Campbell,
     Thomas S. Huang. Fast Generation for Convolutional Autoregressive Models.
     ICLR 2017 workshop. https://arxiv.org/abs/1704.06001
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

from pixeldist.layers.cached_step import write_at


def sample_with_cache(
    network,
    head,
    noise: tf.Tensor,
    temperature: tf.Tensor,
    initial_images: tf.Tensor,
    first_pixel: int | tf.Tensor,
    scale_pixels: Callable[[tf.Tensor], tf.Tensor],
    constants,
) -> tf.Tensor:
    """Generates images pixel by pixel in raster order with cached activations.

    Same contract as `sample_by_recomputation`: at pixel p and channel group g
    (of `head.num_channel_groups`), the raw outputs `[N, P]` of pixel p form
    `head.distribution(raw, temperature)`, whose `sample_from_noise` with the
    pixel's noise `[N, C + 1]` gives the values of group g (all channels when
    there is one group). One `draw_with_cache` over all pixels from zero
    caches, keeping the pixels before `first_pixel`; a caller may instead
    split it into several `draw_with_cache` calls (a progress bar between
    rows) and get the same images.

    Args:
      network: an incremental network (see the module docstring).
      head: the likelihood head (`num_channel_groups`, `distribution`).
      noise: uniforms `[N, H, W, C + 1]` in [0, 1).
      temperature: > 0, scalar or broadcasting with `[N]`.
      initial_images: `[N, H, W, C]` canvas; pixels before `first_pixel` are
        kept (image completion), the rest is overwritten.
      first_pixel: raster index of the first pixel to draw.
      scale_pixels: pixel values `[N, C]` to the network's input range.
      constants: `network.prepare(condition)` for the flattened condition
        `[N]` or `[N, d]` (or None): prepared outside the loop's graph, so
        that a caller may run it in a plain graph and compile only the loop.

    Returns:
      `[N, H, W, C]` images of `initial_images.dtype` with integer values.
    """
    _, height, width, _ = initial_images.shape
    state = network.initial_state(tf.shape(initial_images)[0])
    images, _ = draw_with_cache(
        network,
        head,
        noise,
        temperature,
        initial_images,
        state,
        0,
        height * width,
        scale_pixels,
        constants,
        first_pixel,
    )
    return images


def draw_with_cache(
    network,
    head,
    noise: tf.Tensor,
    temperature: tf.Tensor,
    images: tf.Tensor,
    state,
    start: int | tf.Tensor,
    stop: int | tf.Tensor,
    scale_pixels: Callable[[tf.Tensor], tf.Tensor],
    constants,
    first_pixel: int | tf.Tensor = 0,
):
    """Steps through the pixels with raster index in `[start, stop)`, in
    raster order, drawing those from `first_pixel` on and keeping the
    earlier ones (image completion).

    May run in another graph than the earlier draws (one compiled call per
    image row, for a progress bar): `constants` and the state carry what
    the earlier calls computed.

    A kept pixel goes through the same loop body as a drawn one, its draws
    replaced by its known values: one loop in the graph instead of a second
    one for the known pixels halves what is traced and compiled. The steps
    see the same inputs either way (a group's outputs ignore the pixel's
    channels from that group on, and the last step before the caches are
    kept sees the whole known pixel), so the caches are those of a loop that
    only writes the known pixels.

    Args:
      network, head, noise, temperature, scale_pixels, constants: as for
        `sample_with_cache`.
      images: `[N, H, W, C]` canvas holding every pixel before
        `max(start, first_pixel)`.
      state: the caches after the pixels before `start` (the network's
        `initial_state` for `start = 0`, or the state a `draw_with_cache`
        up to `start` returned).
      start, stop: raster indices, `0 <= start <= stop <= H·W`.
      first_pixel: raster index of the first pixel to draw.

    Returns:
      `(images, state)`: the canvas with the new pixels, and the caches for a
      `draw_with_cache` from `stop`.
    """
    _, height, width, channels = images.shape
    groups = head.num_channel_groups
    batch = tf.shape(images)[0]
    noise = tf.reshape(noise, [batch, height * width, channels + 1])  # [N, HW, C+1]
    channel_index = tf.range(channels)
    first_pixel = tf.cast(first_pixel, tf.int32)

    def drawn_pixel(row, col, images, state):
        known = row * width + col < first_pixel
        pixel = read_pixel(images, row, col)  # [N, C], known or initial values
        pixel_noise = tf.gather(noise, row * width + col, axis=1)  # [N, C + 1]
        for group in range(groups):
            written = network.write_pixel(state, scale_pixels(pixel), row, col)
            raw, stepped = network.step(constants, written, row, col)  # [N, P]
            law = head.distribution(raw, temperature)
            values = tf.cast(law.sample_from_noise(pixel_noise), images.dtype)
            if groups > 1:
                values = tf.where(tf.equal(channel_index, group), values, pixel)
            pixel = tf.where(known, pixel, values)
        state = network.write_pixel(stepped, scale_pixels(pixel), row, col)
        images = write_at(images, (row, col), pixel)  # [N, H, W, C]
        return images, state

    return raster_loop(
        network, constants, images.shape, start, stop, drawn_pixel, images, state
    )


def read_pixel(images, row, col):
    """`images[:, row, col, :]` as `[N, C]`, for loop-tensor positions (gathers:
    a slice of the canvas that the step then writes would be copied, see
    `StepInput.read`)."""
    return tf.gather(tf.gather(images, row, axis=1), col, axis=1)


def raster_loop(network, constants, image_shape, start, stop, body, carry, state):
    """`carry, state = body(row, col, carry, state)` for raster indices in
    `[start, stop)`, as a loop over rows of loops over columns, so that the
    row-level work (`network.start_row`) runs once per row, outside the
    per-pixel loop.

    A row resumed in its middle starts again: a row step reads earlier rows
    only and writes its own (`CachedStep`), so it gives the same state, and
    the loop needs no branch (an XLA conditional would pass, and may copy,
    every cache at every row)."""
    _, height, width, _ = image_shape
    start = tf.cast(start, tf.int32)
    stop = tf.cast(stop, tf.int32)

    def row_body(row, carry, state):
        first_col = tf.where(tf.equal(row, start // width), start % width, 0)
        stop_col = tf.minimum(width, stop - row * width)
        state = network.start_row(constants, state, row)

        def col_body(col, carry, state):
            return col + 1, *body(row, col, carry, state)

        _, carry, state = tf.while_loop(
            lambda col, *_: col < stop_col,
            col_body,
            (first_col, carry, state),
            maximum_iterations=width,
        )
        return row + 1, carry, state

    _, carry, state = tf.while_loop(
        lambda row, *_: row * width < stop,
        row_body,
        (start // width, carry, state),
        maximum_iterations=height,
    )
    return carry, state
