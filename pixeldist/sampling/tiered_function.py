"""An XLA-compiled function that answers before its compiler has finished."""

from __future__ import annotations

import hashlib
import os
import threading

import tensorflow as tf

from pixeldist.sampling import compilation_cache
from pixeldist.sampling.switches import read_switch

#: The environment variable that makes first calls wait for XLA instead.
BACKGROUND_VARIABLE = "PIXELDIST_BACKGROUND_COMPILE"

#: Every compilation started in this process and not finished.
_RUNNING: set[threading.Thread] = set()
_RUNNING_LOCK = threading.Lock()


def background_compile() -> bool:
    """Whether XLA compiles in the background while first calls run as plain
    graphs: `PIXELDIST_BACKGROUND_COMPILE`, `"1"` (the default) or `"0"`
    (every call waits for its XLA program, as a `tf.function(jit_compile=
    True)` does), read when a distribution is built."""
    return read_switch(BACKGROUND_VARIABLE)


def wait_for_compilations(timeout: float | None = None) -> bool:
    """Waits until the XLA compilations running in the background have
    finished (at most `timeout` seconds); True when none is left. Later
    calls of their functions then run the compiled programs: time warm
    sampling after this."""
    with _RUNNING_LOCK:
        threads = list(_RUNNING)
    for thread in threads:
        thread.join(timeout)
    with _RUNNING_LOCK:
        return not _RUNNING


class TieredFunction:
    """Calls an XLA-compiled function without waiting for XLA.

    XLA makes a sampler's loop several times faster, but compiling it takes
    seconds, and its program is specialized to the argument shapes (a new
    number of images compiles again). A call whose program is not ready
    runs the plain function at once (`plain()`: the same computation traced
    for TensorFlow's executor, with ring caches: `pixeldist.layers.
    cached_step.ring_caches`), while a background thread gets the XLA
    function (`compiled()`: loaded or traced) and compiles it by running it
    on the same arguments; later calls of those shapes run the program once
    it is ready (tiered execution, as in the JIT of a language runtime).

    A program is ready when this process compiled it, or when a marker
    beside the compiled function's saved graph (`marker_path`) says that a
    process compiled it into the persistent cache (`compilation_cache`):
    then the call runs it directly, loading it from the cache. The marker
    is written after the program is sealed there; a program evicted or
    damaged since is compiled again (or recovered by the caller), as
    without tiers.

    The compilation thread is not a daemon: a script that samples once and
    exits waits for it, so that the next process finds the program. It only
    reads the first call's tensors. A failed compilation (a damaged cache
    entry: deleted), or a compiled function whose name is in
    `failed_names` (TensorFlow keeps a failure for the life of the
    process), leaves the shapes to the plain function in this process.

    The tiers compute the same network, so their images agree up to
    floating-point rounding of its outputs, which changes a draw only when
    a uniform falls within rounding distance of a bin edge.

    Args:
      plain: returns the `StableFunction` run by TensorFlow's executor;
        called once, at the first call whose program is not ready (a
        process that finds every program compiled never makes it).
      compiled: returns the `StableFunction` that XLA compiles, of the same
        arguments and outputs; called once, in the background unless a
        marker says its program is ready.
      marker_path: where markers of compiled shapes go (the compiled
        function's saved graph, without extension), or None (no persistent
        cache).
      failed_names: names of functions whose compilation failed earlier in
        this process.
    """

    def __init__(self, plain, compiled, marker_path=None, failed_names=()):
        self._make_plain = plain
        self._plain = None
        self._make_compiled = compiled
        self._compiled = None
        self._marker_path = marker_path
        self._failed_names = failed_names
        self._ready: set[str] = set()
        self._failed: set[str] = set()
        self._compiling: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._making_plain = threading.Lock()
        self._making_compiled = threading.Lock()

    @property
    def name(self) -> str | None:
        """The compiled function's name once it is made, else the plain
        one's, else None."""
        function = self._compiled or self._plain
        return None if function is None else function.name

    def compiled_function(self):
        """The XLA-compiled function (made at the first need)."""
        if self._compiled is None:
            with self._making_compiled:  # not `_lock`: tracing takes a second
                if self._compiled is None:
                    self._compiled = self._make_compiled()
        return self._compiled

    def plain_function(self):
        """The function run without XLA (made at the first need; a call
        does not wait for the background thread's tracing)."""
        if self._plain is None:
            with self._making_plain:
                if self._plain is None:
                    self._plain = self._make_plain()
        return self._plain

    def ready(self, *args) -> bool:
        """Whether a call with `args` runs the compiled program."""
        key = _shape_key(args)
        with self._lock:
            if key in self._failed:
                return False
            if key in self._ready:
                return True
        marker = self._marker(key)
        if marker is None or not os.path.exists(marker):
            return False
        if self.compiled_function().name in self._failed_names:
            with self._lock:
                self._failed.add(key)
            return False
        with self._lock:
            self._ready.add(key)
        return True

    def __call__(self, *args):
        key = _shape_key(args)
        if self.ready(*args):
            return self.compiled_function()(*args)
        plain = self.plain_function()
        result = plain(*args)
        # Compiled after the plain call (it does not share the processor),
        # and only after one that worked (a refused argument compiles nothing).
        with self._lock:
            start = key not in self._compiling and key not in self._failed
            if start:
                thread = threading.Thread(
                    target=self._compile,
                    args=(key, args),
                    name=f"pixeldist-xla-{plain.name}",
                )
                self._compiling[key] = thread
                with _RUNNING_LOCK:
                    _RUNNING.add(thread)
                thread.start()
        return result

    def wait(self, timeout: float | None = None) -> None:
        """Waits for this function's running compilations."""
        with self._lock:
            threads = list(self._compiling.values())
        for thread in threads:
            thread.join(timeout)

    def _compile(self, key: str, args) -> None:
        try:
            try:
                function = self.compiled_function()
                if function.name in self._failed_names:
                    raise RuntimeError(f"{function.name} failed in this process")
                function(*args)
            except Exception as error:  # noqa: BLE001 -- the plain graph stays
                compilation_cache.discard_named_in(str(error))
                with self._lock:
                    self._failed.add(key)
                return
            compilation_cache.seal()
            marker = self._marker(key)
            if marker is not None:
                try:
                    with open(marker, "w", encoding="ascii"):
                        pass
                except OSError:
                    pass  # a read-only cache: the next process compiles again
            with self._lock:
                self._ready.add(key)
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(threading.current_thread())

    def _marker(self, key: str) -> str | None:
        if self._marker_path is None:
            return None
        return f"{self._marker_path}.{key}{compilation_cache.MARKER}"


def _shape_key(args) -> str:
    """A digest of the shapes and dtypes of the tensors in `args`: what an
    XLA program is specialized to."""
    parts = [
        f"{tensor.dtype.name}{tensor.shape.as_list()}"
        for tensor in tf.nest.flatten(args)
        if tensor is not None
    ]
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:16]
