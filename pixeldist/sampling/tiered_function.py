"""An XLA-compiled function that answers before its compiler has finished."""

from __future__ import annotations

import hashlib
import os
import threading

import tensorflow as tf

from pixeldist.sampling import compilation_cache
from pixeldist.sampling.stable_function import StableFunction

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
    value = os.environ.get(BACKGROUND_VARIABLE, "1")
    if value not in ("0", "1"):
        raise ValueError(
            f"The environment variable {BACKGROUND_VARIABLE} must be 0 or 1, "
            f"got {value!r}."
        )
    return value == "1"


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
    """Calls an XLA-compiled `StableFunction` without waiting for XLA.

    XLA makes a sampler's loop several times faster, but compiling it takes
    seconds, and its program is specialized to the argument shapes (a new
    number of images compiles again). A call whose program is not ready
    runs the same graph at once as a plain TensorFlow graph
    (`StableFunction.without_xla`: nothing traced again), while a
    background thread compiles the program by running the XLA function on
    the same arguments; later calls of those shapes run the program once
    it is ready (tiered execution, as in a JIT of a language runtime).

    A program is ready when this process compiled it, or when a marker
    beside the saved graph (`marker_path`) says that a process compiled it
    into the persistent cache (`compilation_cache`): then the call runs it
    directly, loading it from the cache. The marker is written after the
    program is sealed there; a program evicted or damaged since is compiled
    again by the caller's recovery, as without tiers.

    The compilation thread is not a daemon: a script that samples once and
    exits waits for it, so that the next process finds the program. It
    compiles on the arguments of the first call, whose tensors it only
    reads. A failed compilation (a damaged cache entry: deleted) leaves
    those shapes to the plain graph in this process.

    The two tiers run one graph, so their images agree up to floating-point
    rounding of the network's outputs, which changes a draw only when a
    uniform falls within rounding distance of a bin edge.

    Args:
      function: a `StableFunction` traced with `jit_compile=True`.
      marker_path: where markers of compiled shapes go (a saved graph's
        path, without extension), or None (no persistent cache).
    """

    def __init__(self, function: StableFunction, marker_path: str | None = None):
        self.function = function
        self.name = function.name
        self._plain = function.without_xla()
        self._marker_path = marker_path
        self._ready: set[str] = set()
        self._failed: set[str] = set()
        self._compiling: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def ready(self, *args) -> bool:
        """Whether a call with `args` runs the compiled program."""
        key = _shape_key(args)
        with self._lock:
            if key in self._ready:
                return True
        marker = self._marker(key)
        if marker is not None and os.path.exists(marker):
            with self._lock:
                self._ready.add(key)
            return True
        return False

    def __call__(self, *args):
        key = _shape_key(args)
        if self.ready(*args):
            return self.function(*args)
        with self._lock:
            start = key not in self._compiling and key not in self._failed
            if start:
                thread = threading.Thread(
                    target=self._compile,
                    args=(key, args),
                    name=f"pixeldist-xla-{self.name}",
                )
                self._compiling[key] = thread
        result = self._plain(*args)
        if start:  # after the plain call: it does not share the processor
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
                self.function(*args)
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
