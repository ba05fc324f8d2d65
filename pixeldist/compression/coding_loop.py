"""One raster loop for the encoder and the decoder: the same graph, the same floats.

An entropy decoder learns pixel p only after decoding it, so it evaluates the
model one pixel at a time, with the cached steps of the sampler
(`pixeldist.sampling.cached_sampler`). The encoder must hand the coder
*bit-identical* probabilities, or the decoder desynchronizes at the first
ulp of difference: `log_prob`'s full-network pass sums in another order and
will not do. So both run this loop, traced once per distribution into one
graph: at every sub-pixel it computes the law of that channel over all
values, given the pixels before and the pixel's channels before, and hands it
to a host callback (`tf.numpy_function`) that returns the sub-pixel's value.
The encoder's callback feeds the coder the known value and returns it
(teacher forcing); the decoder's decodes the value and returns it. Every
tensor of the loop depends only on the values the callback returned, which
are the same on both sides, so every probability is too.

The loop is a plain graph, not XLA: a host callback cannot be compiled.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from pixeldist.layers.cached_step import write_at
from pixeldist.sampling.cached_sampler import raster_loop, read_pixel


def code_with_cache(
    network,
    head,
    canvas: tf.Tensor,
    scale_pixels: Callable[[tf.Tensor], tf.Tensor],
    condition: tf.Tensor | None,
    code_channel: Callable[..., tf.Tensor],
) -> tf.Tensor:
    """Visits every sub-pixel in raster order (rows, columns, channels),
    asking `code_channel` for its value.

    At pixel `(i, j)` and channel `c`: channel group `c` of the categorical
    likelihood is one `network.step` on the pixel with channels `< c` written
    (as in `draw_with_cache`); the logistic mixture steps once per pixel and
    couples the channels in its law. `law.conditional_log_pmf(pixel, c)`
    then gives `log p(x_ijc = low + l | earlier sub-pixels)` `[N, L]`.

    Args:
      network: an `IncrementalNetwork`.
      head: the likelihood head of the distribution.
      canvas: `[N, H, W, C]` int32, filled with `low` (the values before a
        sub-pixel is coded never depend on the canvas's later entries, and
        the canvas is the same for the encoder and the decoder anyway).
      scale_pixels: pixel values `[N, C]` to the network's input.
      condition: the flattened condition `[N]` or `[N, ...]`, or None.
      code_channel: `(row, col, channel, probabilities [N, L] float32) ->
        values [N] int32`, called once per sub-pixel, in raster order.

    Returns:
      `[N, H, W, C]` int32: the values `code_channel` returned.
    """
    constants = network.prepare(condition)
    _, height, width, channels = canvas.shape
    groups = head.num_channel_groups
    channel_index = tf.range(channels)

    def coded_pixel(row, col, canvas, state):
        pixel = read_pixel(canvas, row, col)  # [N, C]
        for channel in range(channels):
            if channel == 0 or groups > 1:
                written = network.write_pixel(state, scale_pixels(pixel), row, col)
                raw, stepped = network.step(constants, written, row, col)  # [N, P]
                law = head.distribution(raw)
            log_pmf = law.conditional_log_pmf(tf.cast(pixel, law.dtype), channel)
            values = code_channel(
                row, col, channel, tf.cast(tf.exp(log_pmf), tf.float32)
            )  # [N]
            pixel = tf.where(
                tf.equal(channel_index, channel), values[:, tf.newaxis], pixel
            )  # [N, C]
        state = network.write_pixel(stepped, scale_pixels(pixel), row, col)
        return write_at(canvas, (row, col), pixel), state

    state = network.initial_state(tf.shape(canvas)[0])
    canvas, _ = raster_loop(
        network, constants, canvas.shape, 0, height * width, coded_pixel, canvas, state
    )
    return canvas


class CodingLoop:
    """`code_with_cache` for one distribution, traced once into a plain graph.

    The encoder and the decoder call the same concrete function (a fixed
    input signature with an unknown batch size, so that no retracing can
    give them different graphs); `run` points its host callback at the
    coder of the call.

    Args:
      distribution: an `AutoregressiveImageDistribution` whose network has
        cached steps (every pixeldist network has).
    """

    _loops: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __init__(self, distribution):
        network = distribution._generator.incremental_network
        if network is None:
            raise ValueError(
                f"{distribution.name}: compression evaluates the network one pixel "
                "at a time, and this network has a layer without a cached step."
            )
        self._network = network
        self._head = distribution.head
        self._image_shape = tuple(distribution.image_shape)
        self._low = distribution.low
        # A weak reference: the loops are kept per distribution in a weak
        # dictionary, and a strong one would keep every distribution alive.
        self._distribution = weakref.ref(distribution)
        specs = [tf.TensorSpec([None, *self._image_shape], tf.int32)]
        if distribution.num_classes is not None:
            specs.append(tf.TensorSpec([None], tf.int32))
        elif distribution.conditional_shape is not None:
            event = distribution._condition_event
            specs.append(tf.TensorSpec([None, *event], distribution._network_float()))
        # No autograph: the loop is a `tf.while_loop` already (as the samplers).
        self._loop = tf.function(self._trace, input_signature=specs, autograph=False)
        self._coder = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, distribution) -> CodingLoop:
        """The loop of `distribution`, built on first use."""
        if distribution not in cls._loops:
            cls._loops[distribution] = cls(distribution)
        return cls._loops[distribution]

    def _trace(self, canvas, condition=None):
        return code_with_cache(
            self._network,
            self._head,
            canvas,
            self._distribution()._scale_images,
            condition,
            self._code_channel,
        )

    def _code_channel(self, row, col, channel, probabilities):
        values = tf.numpy_function(
            self._call_coder,
            [row, col, tf.constant(channel), probabilities],
            tf.int32,
            stateful=True,
        )
        values.set_shape(probabilities.shape[:1])
        return values

    def _call_coder(self, row, col, channel, probabilities):
        return self._coder(int(row), int(col), int(channel), probabilities)

    def run(self, coder, num_images: int, condition=None) -> np.ndarray:
        """Runs the loop with `coder` (a `SubPixelCoder`) as its callback.

        Returns:
          `[N, H, W, C]` int32, the values the coder returned.

        Raises:
          ValueError: the coder failed (for a decoder: a damaged stream).
        """
        canvas = tf.fill([num_images, *self._image_shape], tf.constant(self._low))
        inputs = [canvas] if condition is None else [canvas, condition]
        with self._lock:  # one coder at a time per distribution
            self._coder = coder
            try:
                return self._loop(*inputs).numpy()
            except tf.errors.OpError as error:
                raise ValueError(
                    f"The entropy coder failed: {error.message.strip()}"
                ) from None
            finally:
                self._coder = None
