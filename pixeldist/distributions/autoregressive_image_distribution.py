"""Base class of every pixeldist image model: a TFP distribution and a Keras layer."""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from pixeldist.distributions import input_checks
from pixeldist.layers.spatial_condition import check_condition_map
from pixeldist.likelihoods.categorical_head import CategoricalHead
from pixeldist.likelihoods.logistic_mixture_head import LogisticMixtureHead
from pixeldist.sampling.raster_generator import RasterGenerator

tfd = tfp.distributions

LIKELIHOODS = ("categorical", "logistic_mixture")
INPUT_ENCODINGS = ("scaled", "one_hot")


#: The constructor arguments every image distribution shares.
SHARED_ARGUMENTS = (
    "image_shape",
    "num_classes",
    "conditional_shape",
    "likelihood",
    "num_logistic_mix",
    "high",
    "low",
    "dtype",
    "validate_args",
    "name",
    "trainable",
    "input_encoding",
)


def constructor_arguments(local_variables: dict) -> dict:
    """A constructor's arguments from its `locals()` (without `self`)."""
    return {
        k: v
        for k, v in local_variables.items()
        if k not in ("self", "__class__", "parameters")
    }


def shared_arguments(parameters: dict) -> dict:
    """The arguments a subclass passes on to `AutoregressiveImageDistribution`."""
    return {k: parameters[k] for k in SHARED_ARGUMENTS if k in parameters}


def _plain(value):
    """A constructor argument as a JSON-friendly value for `get_config`."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    return value


def _is_symbolic(value) -> bool:
    return value is not None and any(
        keras.backend.is_keras_tensor(v) for v in tf.nest.flatten(value)
    )


class AutoregressiveImageDistribution(keras.layers.Layer, tfd.Distribution):
    """An exact-likelihood autoregressive distribution over images.

    `p(x) = prod_{i in raster order} p(x_i | x_<i, h)`, where each factor is a
    per-pixel likelihood (`likelihood="categorical"`: a `(high - low + 1)`-way
    softmax per channel, R then G then B; `"logistic_mixture"`: PixelCNN++'s
    discretized logistic mixture with RGB coupling) whose parameters a causal
    Keras network computes from the earlier pixels and the condition `h`.

    Batch shape `[]`, event shape `image_shape = [H, W, C]`. The object is also
    a Keras layer: its weights are tracked when it is an attribute of a
    `keras.Model`, and `log_prob` on `keras.Input`s returns a symbolic tensor
    for the functional API. All weights are created in the constructor.

    `sample(n, seed=..., conditional_input=..., temperature=..., method=...)`
    draws all the noise up front and fills the images in raster order inside
    one compiled graph (`pixeldist.sampling.RasterGenerator`).
    `method="fast"` (default) evaluates the network one pixel at a time with
    every layer's cached step (`pixeldist.sampling.IncrementalNetwork`): any
    network made of pixeldist layers and position-wise Keras layers samples
    this way; a network with another layer falls back to the reference loop,
    with a warning naming the layer. `method="naive"` always re-runs the whole
    network per step. Both return the same images for one seed, except when a
    uniform falls within float rounding of a bin edge of the inverse CDF (the
    two compute the network's outputs in different orders; rare, more likely
    with many levels, many pixels or half precision). `progress=True` shows a
    tqdm bar over image rows (the loop then runs one compiled call per row;
    same images). `complete(images, num_known_rows, ...)` samples the rows
    after the first `num_known_rows` given the rest.

    The network: a subclass sets `network_class`, a functional network that
    takes `image_shape, num_outputs, num_channel_groups, num_classes,
    conditional_shape, dtype, name` and the subclass's own constructor
    arguments (which it checks), or overrides `_build_network()`, returning a
    functional `keras.Model` that maps `[image scaled to [-1, 1]
    [N, H, W, C], condition]` (the condition only when conditional) to
    `[N, H, W, head.num_outputs]` and whose outputs of channel group g see only
    earlier pixels and the current pixel's groups < g. `get_config` returns
    the constructor arguments (TFP's `parameters`): a subclass with arguments
    of its own passes `parameters=constructor_arguments(locals())` on.

    Args:
      image_shape: `(H, W, C)`.
      num_classes: number of classes of an integer label condition.
      conditional_shape: shape of a float condition: `()` for a scalar, `(d,)`
        for a vector, `(h, w, c)` for a condition map per image (a
        low-resolution image, a segmentation, a latent map) with `h`, `w`
        dividing `H`, `W`: a learned up-sampling (`SpatialCondition`) gives
        every layer a term that depends on the position.
      likelihood: "categorical" or "logistic_mixture".
      num_logistic_mix: mixture components of the logistic mixture.
      high, low: the pixel values are the integers in `[low, high]`.
      dtype: float dtype of `log_prob` and samples.
      validate_args: check input values (finite, in range, integer, labels in
        range). Shape checks always run. With `False`, invalid values give
        undefined results, and the reductions that check them are skipped.
      name: layer name.
      input_encoding: how the network reads the pixels: "scaled" (a value in
        [-1, 1] per channel) or "one_hot" (the `high - low + 1` codes of each
        channel, for images whose values are codes, not intensities: VQ-VAE
        indices, segmentation labels; the first layer's weights on them are a
        learned embedding).
      parameters: all the constructor arguments of a subclass.
    """

    #: The functional network class of `_build_network` (see above).
    network_class: type | None = None

    def __init__(
        self,
        image_shape,
        num_classes: int | None = None,
        conditional_shape=None,
        likelihood: str = "categorical",
        num_logistic_mix: int = 5,
        high: int = 255,
        low: int = 0,
        dtype=tf.float32,
        validate_args: bool = True,
        name: str | None = None,
        trainable: bool = True,
        input_encoding: str = "scaled",
        parameters: dict | None = None,
    ):
        # A subclass passes its own constructor arguments as `parameters`
        # (TFP's `dist.parameters`); see `constructor_arguments`.
        if parameters is None:
            parameters = constructor_arguments(locals())
        image_shape = self._check_image_shape(image_shape)
        if num_classes is not None and conditional_shape is not None:
            raise ValueError(
                "Give either `num_classes` (integer labels) or `conditional_shape` "
                "(a float condition), not both."
            )
        if num_classes is not None and (
            not float(num_classes).is_integer() or num_classes < 1
        ):
            raise ValueError(
                f"`num_classes` must be an integer >= 1, got {num_classes}."
            )
        if conditional_shape is not None:
            conditional_shape = tuple(int(d) for d in np.atleast_1d(conditional_shape))
            if any(d < 1 for d in conditional_shape):
                raise ValueError(
                    "`conditional_shape` must have positive sizes, "
                    f"got {conditional_shape}."
                )
            if len(conditional_shape) == 3:  # a condition map
                check_condition_map(conditional_shape, image_shape)
        if input_encoding not in INPUT_ENCODINGS:
            raise ValueError(
                f"`input_encoding` must be one of {INPUT_ENCODINGS}, "
                f"got {input_encoding!r}."
            )
        if likelihood not in LIKELIHOODS:
            raise ValueError(
                f"`likelihood` must be one of {LIKELIHOODS}, got {likelihood!r}."
            )
        if int(num_logistic_mix) != num_logistic_mix or num_logistic_mix < 1:
            raise ValueError(
                f"`num_logistic_mix` must be an integer >= 1, got {num_logistic_mix}."
            )
        if int(high) != high or int(low) != low:
            raise ValueError(f"`high` and `low` must be integers, got {high}, {low}.")
        if high <= low:
            raise ValueError(
                f"`high` must be greater than `low`, got high={high}, low={low}."
            )
        dtype = tf.as_dtype(dtype)
        if not dtype.is_floating:
            raise TypeError(f"`dtype` must be a float dtype, got {dtype.name}.")

        self._image_shape = image_shape
        self._network_arguments = {
            k: v for k, v in parameters.items() if k not in SHARED_ARGUMENTS
        }
        self.num_classes = None if num_classes is None else int(num_classes)
        self.conditional_shape = conditional_shape
        self.likelihood = likelihood
        self.num_logistic_mix = int(num_logistic_mix)
        self.high = int(high)
        self.low = int(low)
        self.input_encoding = input_encoding
        channels = image_shape[-1]
        if likelihood == "categorical":
            self.head = CategoricalHead(channels, self.low, self.high)
        else:
            self.head = LogisticMixtureHead(
                channels, self.num_logistic_mix, self.low, self.high
            )
        # float32 models follow the global Keras policy (mixed precision); the
        # head computes the likelihood in float32 either way.
        keras_dtype = None if dtype == tf.float32 else dtype.name
        keras.layers.Layer.__init__(
            self, name=name, dtype=keras_dtype, trainable=trainable
        )
        self._dtype = dtype
        self.network = self._build_network()
        self._generator = RasterGenerator(self)
        tfd.Distribution.__init__(
            self,
            dtype=dtype,
            reparameterization_type=tfd.NOT_REPARAMETERIZED,
            validate_args=validate_args,
            allow_nan_stats=False,
            parameters=parameters,
            name=self.name,
        )
        self.built = True

    # -- Keras / TFP plumbing ------------------------------------------------

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value

    @property
    def dtype(self):
        """The float dtype of `log_prob` and samples (TFP semantics)."""
        return self._dtype

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return self._image_shape

    @property
    def network_input_shape(self) -> tuple[int, int, int]:
        """The shape of the network's image input: `(H, W, C)`, or `(H, W, C·L)`
        with one-hot codes of the `L = high - low + 1` values."""
        height, width, channels = self._image_shape
        if self.input_encoding == "one_hot":
            return height, width, channels * (self.high - self.low + 1)
        return self._image_shape

    @property
    def has_condition_map(self) -> bool:
        """Whether the condition is a map `[h, w, c]` per image."""
        return self.conditional_shape is not None and len(self.conditional_shape) == 3

    @property
    def is_conditional(self) -> bool:
        return self.num_classes is not None or self.conditional_shape is not None

    @staticmethod
    def _check_image_shape(image_shape) -> tuple[int, int, int]:
        try:
            dims = tuple(int(d) for d in image_shape)
        except (TypeError, ValueError):
            raise ValueError(
                f"`image_shape` must be (height, width, channels), got {image_shape!r}."
            ) from None
        if len(dims) != 3 or any(d < 1 for d in dims):
            raise ValueError(
                "`image_shape` must be (height, width, channels) of rank 3 with "
                f"positive sizes, got {image_shape!r}."
            )
        return dims

    def _build_network(self) -> keras.Model:
        """The functional network: `network_class` with the subclass's arguments."""
        if self.network_class is None:
            raise NotImplementedError(
                f"{type(self).__name__} must set `network_class` or override "
                "`_build_network()`."
            )
        return self.network_class(
            self.network_input_shape,
            num_outputs=self.head.num_outputs,
            num_channel_groups=self.head.num_channel_groups,
            num_classes=self.num_classes,
            conditional_shape=self.conditional_shape,
            dtype=self._network_dtype(),
            name="network",
            **self._network_arguments,
        )

    def _network_dtype(self) -> str | None:
        return None if self._dtype == tf.float32 else self._dtype.name

    def _batch_shape(self):
        return tf.TensorShape([])

    def _batch_shape_tensor(self):
        return tf.constant([], tf.int32)

    def _event_shape(self):
        return tf.TensorShape(self._image_shape)

    def _event_shape_tensor(self):
        return tf.constant(self._image_shape, tf.int32)

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        return {}

    def get_config(self):
        """The constructor arguments: `from_config(get_config())` is a copy."""
        config = {k: _plain(v) for k, v in self.parameters.items()}
        config.update(
            name=self.name,
            trainable=self.trainable,
            image_shape=self._image_shape,
            num_classes=self.num_classes,
            conditional_shape=self.conditional_shape,
            num_logistic_mix=self.num_logistic_mix,
            high=self.high,
            low=self.low,
            dtype=self._dtype.name,
            input_encoding=self.input_encoding,
        )
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def call(self, x, conditional_input=None, training=False):
        """Keras entry point: the log-probability `[batch]` of images `x`."""
        return self._log_prob(x, conditional_input=conditional_input, training=training)

    def compute_output_shape(self, x_shape, conditional_input_shape=None):
        return tuple(x_shape[:-3])

    # -- Input preparation ---------------------------------------------------

    def _check_condition_given(self, conditional_input) -> None:
        if self.is_conditional and conditional_input is None:
            what = (
                f"integer labels in [0, {self.num_classes})"
                if self.num_classes is not None
                else "a float tensor of shape "
                f"[..., {', '.join(map(str, self.conditional_shape))}]"
            )
            raise ValueError(
                f"This model is conditional: pass `conditional_input` ({what})."
            )
        if not self.is_conditional and conditional_input is not None:
            raise ValueError(
                "This model is unconditional (no `num_classes` or "
                "`conditional_shape`), but `conditional_input` was given."
            )

    def _prepare_condition(self, conditional_input):
        """Returns `(condition, batch_shape_tensor, static batch shape, checks)`."""
        if self.num_classes is not None:
            labels = tf.convert_to_tensor(conditional_input)
            if not (labels.dtype.is_integer or labels.dtype.is_floating):
                raise TypeError(
                    "`conditional_input` must hold integer class labels, "
                    f"got {labels.dtype.name}."
                )
            checks = (
                input_checks.check_labels(labels, self.num_classes, "conditional_input")
                if self.validate_args
                else []
            )
            return labels, tf.shape(labels), labels.shape, checks
        condition = tf.convert_to_tensor(conditional_input, dtype_hint=self._dtype)
        if not condition.dtype.is_floating:
            condition = tf.cast(condition, self._dtype)
        event = self.conditional_shape
        checks = input_checks.check_event_shape(condition, event, "conditional_input")
        if self.validate_args:
            with tf.control_dependencies(checks):
                checks += input_checks.check_finite(condition, "conditional_input")
        rank = condition.shape.rank - len(event)
        static_batch = condition.shape[:rank]
        batch = tf.shape(condition)[:rank]
        condition = tf.reshape(condition, tf.concat([batch, self._condition_event], 0))
        return condition, batch, static_batch, checks

    @property
    def _condition_event(self) -> list[int]:
        """The event shape of a float condition in the network: `[h, w, c]` for
        a map, else the flattened `[d]`."""
        if self.has_condition_map:
            return list(self.conditional_shape)
        return [math.prod(self.conditional_shape)]

    def _flatten_condition(self, condition, batch_shape):
        """Broadcasts the condition to `batch_shape`, then flattens the batch."""
        if self.num_classes is not None:
            labels = tf.broadcast_to(tf.cast(condition, tf.int32), batch_shape)
            if self.validate_args:
                # Grappler may run the class-bias lookup before the label
                # assertion despite control dependencies; keep the lookup in
                # range so the assertion's message is the error users see.
                valid = (labels >= 0) & (labels < self.num_classes)
                labels = tf.where(valid, labels, tf.zeros_like(labels))
            return tf.reshape(labels, [-1])
        event = self._condition_event
        condition = tf.broadcast_to(condition, tf.concat([batch_shape, event], 0))
        return tf.reshape(tf.cast(condition, self._network_float()), [-1, *event])

    def _network_float(self):
        return tf.float64 if self._dtype == tf.float64 else tf.float32

    def _prepare(self, x, conditional_input, name="x"):
        """Validates and flattens `x [b..., H, W, C]` and the condition.

        Returns `(x_flat [N, H, W, C] float, condition_flat or None,
        batch_shape tensor)`.
        """
        x = tf.convert_to_tensor(x)
        if not (x.dtype.is_integer or x.dtype.is_floating):
            raise TypeError(f"`{name}` must hold numbers, got {x.dtype.name}.")
        checks = input_checks.check_event_shape(x, self._image_shape, name)
        self._check_condition_given(conditional_input)
        if self.validate_args:
            with tf.control_dependencies(checks):
                checks += input_checks.check_integer_values_in_range(
                    x, self.low, self.high, name
                )
        x_batch = tf.shape(x)[:-3]
        batch = x_batch
        condition = None
        if conditional_input is not None:
            condition, cond_batch, cond_batch_static, cond_checks = (
                self._prepare_condition(conditional_input)
            )
            checks += cond_checks
            input_checks.broadcast_batch_shapes(
                x.shape[:-3], cond_batch_static, name, "conditional_input"
            )
            with tf.control_dependencies(checks):
                batch = tf.broadcast_dynamic_shape(x_batch, cond_batch)
        with tf.control_dependencies(checks):
            x = tf.cast(x, self._dtype)
            full_shape = tf.concat([batch, self._image_shape], 0)
            x_flat = tf.reshape(
                tf.broadcast_to(x, full_shape), [-1, *self._image_shape]
            )
            if condition is not None:
                condition = self._flatten_condition(condition, batch)
        return x_flat, condition, batch

    def _scale_images(self, x_flat):
        """Pixel values `[..., C]` in `[low, high]` to the network's input:
        scaled to [-1, 1], or one-hot codes `[..., C·L]` (channel-major, so
        that the codes of channel c form R/G/B feature group c)."""
        if self.input_encoding == "one_hot":
            levels = self.high - self.low + 1
            codes = tf.one_hot(
                tf.cast(x_flat, tf.int32) - self.low,
                levels,
                dtype=self._network_float(),
            )  # [..., C, L]
            shape = tf.concat([tf.shape(x_flat)[:-1], [x_flat.shape[-1] * levels]], 0)
            return tf.reshape(codes, shape)
        x = tf.cast(x_flat, self._network_float())
        return 2.0 * (x - self.low) / (self.high - self.low) - 1.0

    def _pixel_distribution(self, x_flat, condition, training=False, temperature=1.0):
        """The per-pixel likelihood, batch shape `[N, H, W]`, event `[C]`."""
        inputs = [self._scale_images(x_flat)]
        if condition is not None:
            inputs.append(condition)
        if not isinstance(self.network.input, (list, tuple)):
            (inputs,) = inputs  # a network built on one input, not a list
        raw = self.network(inputs, training=training)  # [N, H, W, P]
        return self.head.distribution(raw, temperature=temperature)

    # -- Log-probabilities -----------------------------------------------------

    def log_prob(
        self, value, name="log_prob", conditional_input=None, training=False, **kwargs
    ):
        """Log-probability `[batch...]` of images `value [batch..., H, W, C]`.

        `value` holds integers in `[low, high]` (any int or float dtype).
        Batch dimensions of `value` and `conditional_input` broadcast. On
        `keras.Input`s this returns a symbolic tensor (functional API).
        """
        if _is_symbolic(value) or _is_symbolic(conditional_input):
            return self(value, conditional_input=conditional_input, training=training)
        return super().log_prob(
            value,
            name=name,
            conditional_input=conditional_input,
            training=training,
            **kwargs,
        )

    def _log_prob(self, x, conditional_input=None, training=False):
        x_flat, condition, batch = self._prepare(x, conditional_input)
        pixel_dist = self._pixel_distribution(x_flat, condition, training)
        log_prob = tf.reduce_sum(
            pixel_dist.log_prob(tf.cast(x_flat, pixel_dist.dtype)), axis=[-2, -1]
        )  # [N]
        return tf.reshape(tf.cast(log_prob, self._dtype), batch)

    def pixel_log_prob(
        self, x, conditional_input=None, training=False, name="pixel_log_prob"
    ):
        """Chain-rule terms `[batch..., H, W, C]` that sum to `log_prob`.

        Entry `[..., i, j, c]` is `log p(x[i, j, c] | pixels before (i, j),
        channels < c of pixel (i, j), h)`: a per-pixel likelihood map.
        """
        with self._name_and_control_scope(name):
            x_flat, condition, batch = self._prepare(x, conditional_input)
            pixel_dist = self._pixel_distribution(x_flat, condition, training)
            terms = pixel_dist.channel_log_prob(tf.cast(x_flat, pixel_dist.dtype))
            return tf.reshape(
                tf.cast(terms, self._dtype), tf.concat([batch, self._image_shape], 0)
            )

    # -- Sampling ------------------------------------------------------------

    def _check_temperature(self, temperature) -> tf.Tensor:
        static = tf.get_static_value(temperature)
        if static is not None and not np.all(np.asarray(static) > 0):
            raise ValueError(f"`temperature` must be > 0, got {static}.")
        temperature = tf.convert_to_tensor(temperature, self._network_float())
        if static is None and self.validate_args:
            deps = input_checks.value_check(
                tf.reduce_all(temperature > 0), "`temperature` must be > 0."
            )
            with tf.control_dependencies(deps):
                temperature = tf.identity(temperature)
        return temperature

    def _call_sample_n(
        self,
        sample_shape,
        seed,
        conditional_input=None,
        temperature=1.0,
        method="fast",
        progress=False,
        **kwargs,
    ):
        """`sample(sample_shape, seed, conditional_input, temperature, method,
        progress)`.

        `method="fast"` (default) runs the cached sampler (the reference loop
        for a network with a layer that has no cached step, after a warning);
        `"naive"` the reference loop, re-running the network at every step.
        Both give the same images for one seed (up to float rounding at bin
        edges: see the class docstring). `progress=True` (eager execution
        only) shows a tqdm bar on stderr that advances by image rows, with the
        images of `progress=False`.
        """
        if kwargs:
            raise TypeError(f"Unexpected arguments to `sample`: {sorted(kwargs)}.")
        self._generator.check_method(method)
        self._generator.check_progress(progress)
        sample_shape = input_checks.check_sample_shape(sample_shape)
        temperature = self._check_temperature(temperature)
        self._check_condition_given(conditional_input)
        n = tf.reduce_prod(sample_shape)
        condition = None
        if conditional_input is not None:
            condition, cond_batch, cond_static, checks = self._prepare_condition(
                conditional_input
            )
            static_sample_shape = tf.TensorShape(tf.get_static_value(sample_shape))
            if cond_static.rank is not None and static_sample_shape.rank is not None:
                merged = input_checks.broadcast_batch_shapes(
                    static_sample_shape,
                    cond_static,
                    "sample_shape",
                    "conditional_input",
                )
                if not merged.is_compatible_with(static_sample_shape):
                    raise ValueError(
                        f"The batch shape of `conditional_input` {cond_static} must "
                        f"broadcast to `sample_shape` {static_sample_shape.as_list()} "
                        "(it is aligned with its trailing dimensions)."
                    )
            with tf.control_dependencies(checks):
                condition = self._flatten_condition(condition, sample_shape)
        shape = tf.concat([sample_shape, self._image_shape], 0)
        if tf.get_static_value(n) == 0:  # TF's ops dislike empty batches
            return tf.zeros(shape, self._dtype)
        initial = tf.fill(
            tf.concat([[n], self._image_shape], 0), tf.constant(self.low, self._dtype)
        )
        images = self._generator.generate(
            method,
            self._generator.noise(n, seed),
            condition,
            temperature,
            initial,
            0,
            progress,
        )
        return tf.reshape(images, shape)

    def complete(
        self,
        images,
        num_known_rows,
        conditional_input=None,
        seed=None,
        temperature=1.0,
        method="fast",
        progress=False,
        name="complete",
    ):
        """Keeps the first `num_known_rows` rows of `images` and samples the rest.

        The occluded-image completions of the PixelRNN paper: the result
        follows the model's conditional law `p(rows >= K | rows < K, h)`, and
        the known rows come back unchanged. With `num_known_rows=0` and the
        same seed this equals `sample`.

        Args:
          images: `[batch..., H, W, C]` integer values in `[low, high]` (the
            rows to be completed are validated too but otherwise ignored).
          num_known_rows: int in `[0, H]`.
          conditional_input: as for `log_prob`; batch shapes broadcast.
          seed: int or stateless seed `[2]`.
          temperature: > 0, as for `sample`.
          method: "fast" (cached sampler) or "naive" (reference loop), as for
            `sample`; the same images either way.
          progress: show a progress bar over the rows to complete, as for
            `sample` (eager execution only).

        Returns:
          `[batch..., H, W, C]` images of the distribution's dtype.
        """
        height, width, _ = self._image_shape
        if isinstance(num_known_rows, bool) or not float(num_known_rows).is_integer():
            raise ValueError(
                f"`num_known_rows` must be an integer, got {num_known_rows!r}."
            )
        num_known_rows = int(num_known_rows)
        self._generator.check_method(method)
        self._generator.check_progress(progress)
        if not 0 <= num_known_rows <= height:
            raise ValueError(
                f"`num_known_rows` must be in [0, {height}] (the image height), "
                f"got {num_known_rows}."
            )
        with self._name_and_control_scope(name):
            temperature = self._check_temperature(temperature)
            x_flat, condition, batch = self._prepare(
                images, conditional_input, "images"
            )
            n = tf.shape(x_flat)[0]
            if tf.get_static_value(n) == 0:
                return tf.zeros(tf.concat([batch, self._image_shape], 0), self._dtype)
            completed = self._generator.generate(
                method,
                self._generator.noise(n, seed),
                condition,
                temperature,
                x_flat,
                num_known_rows * width,
                progress,
            )
            return tf.reshape(completed, tf.concat([batch, self._image_shape], 0))
