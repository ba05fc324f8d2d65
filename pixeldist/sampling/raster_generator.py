"""Raster-order generation for an image distribution: noise, samplers, progress."""

from __future__ import annotations

import os
import sys
import warnings

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from tensorflow_probability.python.internal import samplers
from tqdm.auto import tqdm

from pixeldist.layers.cached_step import ring_caches
from pixeldist.sampling import compilation_cache
from pixeldist.sampling.cached_sampler import draw_with_cache, sample_with_cache
from pixeldist.sampling.incremental_network import IncrementalNetwork, NoCachedStepError
from pixeldist.sampling.recompute_sampler import sample_by_recomputation
from pixeldist.sampling.stable_function import StableFunction
from pixeldist.sampling.switches import read_switch
from pixeldist.sampling.tiered_function import TieredFunction, background_compile

METHODS = ("fast", "naive")

# TensorFlow reads TF_XLA_FLAGS at its first op, not at import: building a
# model is already too late, importing pixeldist's samplers is early enough.
compilation_cache.configure()

#: Stable names whose compilation failed in this process (TensorFlow keeps a
#: failure under the function's name): their samplers call the
#: `tf.function` instead.
_FAILED_STABLE_NAMES: set[str] = set()

#: The packages whose code is part of a saved graph's key.
_OWN_MODULES = ("pixeldist.", "keras.")

#: The environment variable that turns XLA off for the cached sampler.
JIT_COMPILE_VARIABLE = "PIXELDIST_JIT_COMPILE"


def sampler_jit_compile() -> bool:
    """Whether cached samplers are compiled with XLA: `PIXELDIST_JIT_COMPILE`,
    `"1"` (the default) or `"0"`, read when a distribution is built.

    XLA makes warm sampling several times faster, but TensorFlow keeps every
    XLA-compiled program until the process exits (its compilation cache has
    no eviction): about 35 MB and 160 memory mappings for each model that
    samples. A process that builds and samples hundreds of models (a test
    suite, a hyper-parameter search) turns it off; the samples are the same.
    """
    return read_switch(JIT_COMPILE_VARIABLE)


class RasterGenerator:
    """Draws the images of an `AutoregressiveImageDistribution` in raster order.

    All the uniforms of a generation are drawn up front (`noise`): uniform
    `[k, i, j]` is consumed by image k at pixel (i, j) whatever the sampler,
    so every exact sampler returns the same images for one seed.

    - `method="fast"`: the cached sampler (`cached_sampler`) over an
      `IncrementalNetwork` of the distribution's network, built once, in one
      XLA-compiled loop (see `sampler_jit_compile`). Eagerly, a call whose
      program is not compiled yet (in this process or in the persistent
      cache) runs the loop as a plain graph (`_fast_plain`, with ring
      caches) while a background thread compiles it for the next calls
      (`TieredFunction`; see `background_compile`). A network with a layer
      that has no cached step samples with the reference loop instead, after
      a warning (once per distribution) that names the layer.
    - `method="naive"`: the reference loop (`sample_by_recomputation`), which
      re-runs the whole network at every step.

    With `progress=True` (eager execution only) the loop runs one compiled
    call per image row and a tqdm bar on stderr advances by rows; the noise,
    and so the images, are those of `progress=False`.

    Args:
      distribution: the `AutoregressiveImageDistribution` whose `network`,
        `head`, `_pixel_distribution` and `_scale_images` generate.
    """

    def __init__(self, distribution):
        self._distribution = distribution
        self._incremental_network = None
        self._incremental_network_built = False
        self._constants_spec = None
        self._prepare_function = None
        self._jit_compile = sampler_jit_compile()
        self._background_compile = background_compile()
        self._trace_cached_samplers()
        self._prepare = tf.function(
            self._prepare, reduce_retracing=True, autograph=False
        )
        # No autograph: the loops are written as `tf.while_loop`s, and
        # converting every function they call took most of the tracing.
        self._naive = tf.function(self._naive, reduce_retracing=True, autograph=False)

    def _trace_cached_samplers(self) -> None:
        """(Re)makes the `tf.function`s of the cached sampler: new functions
        compile anew (TensorFlow remembers a failed compilation of a
        function for the life of the process)."""
        self._traced = set()
        self._stable = {}
        for name in ("_fast", "_draw"):
            method = getattr(type(self), name).__get__(self)
            for suffix, jit_compile in (("", self._jit_compile), ("_plain", False)):
                function = tf.function(
                    method,
                    reduce_retracing=True,
                    jit_compile=jit_compile,
                    autograph=False,
                )
                setattr(self, name + suffix, function)

    @property
    def incremental_network(self) -> IncrementalNetwork | None:
        """The network evaluated one pixel at a time, or None (see above)."""
        if not self._incremental_network_built:
            self._incremental_network_built = True
            try:
                self._incremental_network = IncrementalNetwork(
                    self._distribution.network
                )
            except NoCachedStepError as error:
                warnings.warn(
                    f"{self._distribution.name}: {error}. `method='fast'` samples "
                    "with the reference loop, which re-runs the whole network at "
                    "every step (often 100x slower).",
                    stacklevel=_caller_stacklevel(),
                )
        return self._incremental_network

    # -- Arguments -------------------------------------------------------------

    @staticmethod
    def check_method(method) -> None:
        if not isinstance(method, str) or method not in METHODS:
            raise ValueError(f"`method` must be one of {METHODS}, got {method!r}.")

    @staticmethod
    def check_progress(progress) -> None:
        if not isinstance(progress, (bool, np.bool_)):
            raise ValueError(f"`progress` must be True or False, got {progress!r}.")
        if progress and not tf.executing_eagerly():
            raise ValueError(
                "`progress=True` needs eager execution (a bar cannot advance "
                "inside a `tf.function`); call with `progress=False` there."
            )

    @staticmethod
    def stateless_seed(seed) -> tf.Tensor:
        """A stateless seed `[2]`: the same int or seed tensor gives the same samples.

        (TFP's `sanitize_seed` draws int seeds from a stateful op, so repeated
        calls with one int would differ.)
        """
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            seed = tf.constant(
                [int(seed) >> 31 & 0x7FFFFFFF, int(seed) & 0x7FFFFFFF], tf.int32
            )
        return samplers.sanitize_seed(seed, salt="pixeldist")

    def noise(self, n, seed) -> tf.Tensor:
        """All the uniforms of a generation, `[n, H, W, C + 1]`."""
        height, width, channels = self._distribution.image_shape
        return samplers.uniform(
            [n, height, width, channels + 1],
            seed=self.stateless_seed(seed),
            dtype=self._distribution._network_float(),
        )

    # -- Generation ------------------------------------------------------------

    def generate(
        self, method, noise, condition, temperature, initial, first_pixel, progress
    ) -> tf.Tensor:
        """Draws raster indices `[first_pixel, H·W)` of the canvas `initial
        [N, H, W, C]` (the earlier pixels are kept) with `method`, in one
        compiled call, or one call per row with a progress bar."""
        height, width, _ = self._distribution.image_shape
        fast = method == "fast" and self.incremental_network is not None
        first = tf.constant(first_pixel, tf.int32)
        constants = self._prepared(condition) if fast else None
        if not progress:
            if fast:
                return self._compiled(
                    "_fast", noise, constants, temperature, initial, first
                )
            end = tf.constant(height * width, tf.int32)
            return self._naive(noise, condition, temperature, initial, first, end)
        images = initial
        first_row = first_pixel // width
        state = (
            self.incremental_network.initial_state(tf.shape(initial)[0])
            if fast
            else None
        )

        def draw(images, start, stop):
            """Raster indices `[start, stop)`, one compiled call."""
            nonlocal state
            start, stop = tf.constant(start, tf.int32), tf.constant(stop, tf.int32)
            if not fast:
                return self._naive(noise, condition, temperature, images, start, stop)
            images, state = self._compiled(
                "_draw",
                noise,
                constants,
                temperature,
                images,
                state,
                start,
                stop,
                first,
            )
            return images

        if fast and first_pixel:  # the known pixels, before the bar
            images = draw(images, 0, first_pixel)
        with tqdm(
            total=height - first_row, desc="sampling", unit="row", file=sys.stderr
        ) as bar:
            for row in range(first_row, height):
                images = draw(images, max(first_pixel, row * width), (row + 1) * width)
                bar.update(1)
        return images

    def _prepared(self, condition):
        """The network's constants for `condition` (`IncrementalNetwork.
        prepare`: effective kernels, conditional terms), from a plain graph
        traced once for any batch size.

        They are computed once per generation, so XLA would gain nothing on
        them, but compiling them was about 40% of the sampler's XLA kernels;
        the compiled loops take them as arguments instead. (Calling the
        plain graph from inside the compiled one's caller graph instead
        would run TensorFlow's graph optimizer over the loops too, about
        0.3 s at a first call.)

        Eagerly, the graph is a `StableFunction` without the graph optimizer
        (about 0.2 s at its first call in a process, for no faster runs),
        loaded from the graph cache when a process saved it there."""
        specs = _any_batch_size((condition,))
        if not tf.executing_eagerly():
            if self._constants_spec is None:
                concrete = self._prepare.get_concrete_function(*specs)
                self._constants_spec = StableFunction.specs_of(concrete)
            return self._prepare(condition)
        if self._prepare_function is None:
            self._prepare_function = self._loaded_or_traced(
                "_prepare",
                specs,
                self._graph_path("_prepare", specs),
                self._distribution.weights,
                graph_optimizer=False,
            )
            self._constants_spec = self._prepare_function.output_specs
        return self._prepare_function(condition)

    def _loaded_or_traced(
        self, name, specs, path, variables=(), graph_optimizer=True
    ) -> StableFunction:
        """The `StableFunction` of `self.<name>` for `specs`: loaded from the
        graph cache at `path` (`_graph_path`, or None) when a process saved
        it there, else traced (and saved), capturing `variables` (see
        `StableFunction`); with ring caches unless XLA compiles it."""
        function = StableFunction.load(path, variables) if path else None
        # A loaded graph that does not take `specs` is never expected: the
        # key holds them.
        if function is None or not function.takes(specs):
            concrete = self._trace(getattr(self, name), specs)
            function = StableFunction(concrete, graph_optimizer=graph_optimizer)
            if path:
                function.save(path, variables)
        else:
            compilation_cache.touch(path)  # recently used: evicted last
        return function

    def _prepare(self, condition):
        return self.incremental_network.prepare(condition)

    def _compiled(self, name, *args):
        """`self.<name>(*args)`, traced for any batch size, with the
        persistent compilation cache checked before (entries with a wrong
        checksum deleted) and sealed after (new entries get a checksum); an
        entry that TensorFlow cannot parse anyway is deleted and the program
        compiled again.

        Eager XLA calls go through a `StableFunction` (`_stable_function`):
        the program's names depend on its graph only, so the persistent
        cache finds it whatever the process traced before, and a later
        process loads the traced graph instead of tracing it. Its
        `TieredFunction` runs a call as a plain graph while the program
        compiles in the background (and seals its own entries)."""
        if not (self._jit_compile and tf.executing_eagerly()):
            # One trace for every batch size: calls with other sizes, labels,
            # temperatures or seeds reuse it (traced once: the specs of the
            # ~100 constants take a few ms to match at every call).
            if name not in self._traced:
                self._trace(getattr(self, name), self._specs(args))
                self._traced.add(name)
            return getattr(self, name)(*args)
        compilation_cache.check_once()
        function = self._stable_function(name, args)
        try:
            result = function(*args)
        except tf.errors.DataLossError as error:
            if not compilation_cache.discard_named_in(str(error)):
                raise
            # TensorFlow keeps the failure for the life of the process,
            # under the function's name: compile under a new one.
            if isinstance(function, (StableFunction, TieredFunction)):
                _FAILED_STABLE_NAMES.add(function.name)
            self._trace_cached_samplers()
            result = getattr(self, name)(*args)
        compilation_cache.seal()
        return result

    @staticmethod
    def _trace(function, specs):
        """The concrete function of a `tf.function` for `specs`: with ring
        caches (`ring_caches`) unless XLA compiles it."""
        if function._jit_compile:
            return function.get_concrete_function(*specs)
        with ring_caches():
            return function.get_concrete_function(*specs)

    def _specs(self, args):
        """The specs of the arguments of `_fast` or `_draw`: any batch size,
        the constants' own specs."""
        specs = _any_batch_size(args[:1]) + (self._constants_spec,)
        return specs + _any_batch_size(args[2:])

    def _stable_function(self, name, args):
        """The `StableFunction` of `self.<name>` for any batch size
        (`_loaded_or_traced`), as a `TieredFunction` unless first calls wait
        for XLA (`background_compile`), or the `tf.function` itself once a
        compilation under the stable name failed in this process."""
        if name not in self._stable:
            specs = self._specs(args)
            path = self._graph_path(name, specs)
            if self._background_compile:
                plain_path = self._graph_path(name + "_plain", specs)
                function = TieredFunction(
                    # Without Grappler: it rewrote the loop at its first
                    # call, about 0.5 s of a cold call (PixelCNN++ 28×28).
                    lambda: self._loaded_or_traced(
                        name + "_plain", specs, plain_path, graph_optimizer=False
                    ),
                    lambda: self._loaded_or_traced(name, specs, path),
                    path,
                    _FAILED_STABLE_NAMES,
                )
            else:
                function = self._loaded_or_traced(name, specs, path)
            self._stable[name] = function
        function = self._stable[name]
        # (A `TieredFunction` leaves a failed program to its plain function.)
        if isinstance(function, StableFunction) and (
            function.name in _FAILED_STABLE_NAMES
        ):
            return getattr(self, name)
        return function

    def _graph_path(self, name, specs) -> str | None:
        """Where the graph of `self.<name>` for `specs` is kept across
        processes (`compilation_cache.graph_path`), or None: the cache is
        off, or the distribution or its network hold classes from outside
        pixeldist and Keras (their code is not part of the key).

        The key: the distribution's class and constructor arguments
        (`get_config`, but its name: the graph's names are positions), the
        argument specs, pixeldist's code and the library versions; for the
        loops also the stable name of the constants' graph (a digest of
        every layer and weight shape)."""
        dist = self._distribution
        parts = [dist]
        for part in (dist.network, dist.head):
            parts.append(part)
            if isinstance(part, keras.layers.Layer):
                parts.extend(part._flatten_layers(include_self=False))
        if any(not type(p).__module__.startswith(_OWN_MODULES) for p in parts):
            return None
        try:
            config = {k: v for k, v in dist.get_config().items() if k != "name"}
        except Exception:  # noqa: BLE001 -- no key: traced in every process
            return None
        return compilation_cache.graph_path(
            "RasterGenerator",
            name,
            config,
            # Each part's class and dtype policy (a global mixed precision
            # policy changes the layers' computations, not their arguments).
            [
                [f"{type(p).__module__}.{type(p).__qualname__}", _policy(p)]
                for p in parts
            ],
            keras.config.floatx(),
            # The constants' graph: every layer and weight shape.
            None if name == "_prepare" else self._prepare_function.name,
            repr(specs),
        )

    def _canvas(self, images):
        return tf.ensure_shape(images, [None, *self._distribution.image_shape])

    def _fast(self, noise, constants, temperature, initial, first_pixel):
        """The cached sampler, in one (XLA-compiled) graph: no value checks
        inside (they cannot raise under XLA)."""
        dist = self._distribution
        return sample_with_cache(
            self.incremental_network,
            dist.head,
            noise,
            temperature,
            self._canvas(initial),
            first_pixel,
            dist._scale_images,
            constants,
        )

    def _draw(
        self, noise, constants, temperature, images, state, start, stop, first_pixel
    ):
        """`(images, state)` after raster indices `[start, stop)` (those from
        `first_pixel` on drawn), from the caches `state` of the pixels before
        `start` (`_fast` split into calls, for progress bars)."""
        dist = self._distribution
        return draw_with_cache(
            self.incremental_network,
            dist.head,
            noise,
            temperature,
            self._canvas(images),
            state,
            start,
            stop,
            dist._scale_images,
            constants,
            first_pixel,
        )

    def _naive(self, noise, condition, temperature, initial, first_pixel, stop):
        """The reference sampler: raster indices `[first_pixel, stop)` drawn,
        the other pixels copied from `initial`."""
        dist = self._distribution

        def pixel_distribution(images):
            return dist._pixel_distribution(images, condition, temperature=temperature)

        return sample_by_recomputation(
            pixel_distribution,
            noise,
            dist.head.num_channel_groups,
            self._canvas(initial),
            first_pixel,
            stop,
        )


def _policy(part) -> str | None:
    """The name of a Keras layer's dtype policy, or None."""
    policy = getattr(part, "dtype_policy", None)
    return getattr(policy, "name", None)


def _any_batch_size(args):
    """The `tf.TensorSpec`s of `args` with an unknown first dimension."""

    def spec(value):
        if not isinstance(value, (tf.Tensor, tf.Variable)):
            return value
        shape = value.shape
        if shape.rank:
            shape = tf.TensorShape([None]).concatenate(shape[1:])
        return tf.TensorSpec(shape, value.dtype)

    return tf.nest.map_structure(spec, args)


def _caller_stacklevel() -> int:
    """The `stacklevel` of the first frame outside pixeldist, TensorFlow and
    TFP: the user's call of `sample` or `complete`."""
    pixeldist_folder = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    packages = (pixeldist_folder,) + tuple(
        os.path.dirname(module.__file__) for module in (tf, tfp)
    )
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(packages):
        frame, level = frame.f_back, level + 1
    return level
