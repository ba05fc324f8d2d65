"""Compiled samplers kept across processes: TensorFlow's persistent XLA cache.

XLA-compiling a cached sampler takes seconds; the program depends only on
the network's graph and the shapes, so pixeldist keeps it on disk with
TensorFlow's persistent compilation cache (`TF_XLA_FLAGS=
--tf_xla_persistent_cache_directory=...`), and a later process that builds
the same model loads it instead of compiling.

TensorFlow reads `TF_XLA_FLAGS` once, at the first XLA compilation of the
process (not at import), so `configure()` runs when pixeldist is imported.
TensorFlow names an entry after fingerprints of the function's signature
(its name and argument shapes: see `StableFunction` for names that do not
depend on the process) and of the program, and the device type, not the
machine, and crashes on an entry it cannot parse: so the
directory is one per TensorFlow version and processor (its instruction set
extensions), and every entry gets a SHA-256 checksum beside it when it is
written (`seal`); an entry whose checksum is missing or wrong is deleted
before the process compiles anything (`check_once`), and compiled again.
The checksum file also records the entry's size and modification time, so
an entry unchanged since it was sealed is not read again.

The traced graphs of the samplers are kept beside the compiled programs
(`graph_path`, `<root>/graphs`), so that a later process loads them instead
of tracing them; `RasterGenerator` keys them (with pixeldist's code and the
library versions, here) and `StableFunction` saves and checks them.

`PIXELDIST_COMPILATION_CACHE`: unset, the per-user cache
(`$XDG_CACHE_HOME/pixeldist`, else `~/.cache/pixeldist`); `0`, off; any
other value, that directory instead. A `TF_XLA_FLAGS` that already names a
persistent cache directory is left alone (and not checked).

`PIXELDIST_COMPILATION_CACHE_MB` (default 1024) caps the cache: once per
process, before its first compilation, the least recently used programs
and graphs are deleted until the rest fits (`evict`). A compiled program's
last use is its file's access or modification time, whichever is later; a
graph's is touched when a process loads it.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import json
import os
import platform
import threading

#: The environment variable that moves the compilation cache or turns it off.
CACHE_VARIABLE = "PIXELDIST_COMPILATION_CACHE"
#: The environment variable that caps the cache's size, in megabytes.
SIZE_VARIABLE = "PIXELDIST_COMPILATION_CACHE_MB"
DEFAULT_SIZE_MB = 1024

_FLAG = "--tf_xla_persistent_cache_directory"
_CHECKSUM = ".sha256"
#: The extension of a graph's markers of compiled shapes (`TieredFunction`).
MARKER = ".xla"
#: The flag that pixeldist added to `TF_XLA_FLAGS`, for child processes.
_OWN_FLAG_VARIABLE = "PIXELDIST_XLA_CACHE_FLAG"

_directory: str | None = None
_checked = False
#: The entries whose checksum this process wrote or checked, and their stamps.
_sealed: dict[str, list[str]] = {}
_seal_lock = threading.Lock()


def cache_root() -> str | None:
    """The base folder of the cache from `PIXELDIST_COMPILATION_CACHE`, or
    None when it is off."""
    value = os.environ.get(CACHE_VARIABLE)
    if value == "0":
        return None
    if value:
        return os.path.abspath(os.path.expanduser(value))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "pixeldist")


def _machine() -> str:
    """What a compiled CPU program depends on besides its graph: the
    processor's instruction set extensions (an entry compiled for others
    could stop the process with an illegal instruction)."""
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    flags = line
                    break
    except OSError:
        pass
    text = f"{platform.machine()} {platform.processor()} {flags}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def configure() -> str | None:
    """Points TensorFlow's persistent XLA cache at pixeldist's folder (made
    if missing) unless it is off or already set; returns the folder used."""
    global _directory
    # A flag that pixeldist set in a parent process (inherited through the
    # environment) is decided afresh, by this process's own setting.
    inherited = os.environ.pop(_OWN_FLAG_VARIABLE, None)
    flags = os.environ.get("TF_XLA_FLAGS", "").split()
    if inherited in flags:
        flags.remove(inherited)
        os.environ["TF_XLA_FLAGS"] = " ".join(flags)
    root = cache_root()
    if root is None or _FLAG in os.environ.get("TF_XLA_FLAGS", ""):
        _directory = None
        return None
    from tensorflow import __version__ as tf_version

    directory = os.path.join(root, "xla", f"tf{tf_version}-{_machine()}")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:  # an unwritable home: compile in every process
        _directory = None
        return None
    flags = os.environ.get("TF_XLA_FLAGS", "")
    os.environ["TF_XLA_FLAGS"] = f"{flags} {_FLAG}={directory}".strip()
    os.environ[_OWN_FLAG_VARIABLE] = f"{_FLAG}={directory}"
    _directory = directory
    return directory


def directory() -> str | None:
    """The folder that `configure` set up, or None."""
    return _directory


def size_limit() -> int:
    """The cache's cap in bytes, from `PIXELDIST_COMPILATION_CACHE_MB`.

    Raises:
      ValueError: the variable is not a positive whole number of megabytes.
    """
    value = os.environ.get(SIZE_VARIABLE, str(DEFAULT_SIZE_MB))
    try:
        megabytes = int(value)
    except ValueError:
        megabytes = 0
    if megabytes <= 0:
        raise ValueError(
            f"The environment variable {SIZE_VARIABLE} must be a positive whole "
            f"number of megabytes, got {value!r}."
        )
    return megabytes * 2**20


def _graph_folder() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(_directory)), "graphs")


def graph_path(*parts) -> str | None:
    """Where the traced sampler graph keyed by `parts` (JSON-serializable,
    `str()` for the rest) is kept, without extension; None when the cache
    is off.

    The key also holds the digest of pixeldist's own source files and the
    versions of the libraries that trace the graph, so that a graph is never
    reused by other code."""
    if _directory is None:
        return None
    folder = _graph_folder()
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    key = json.dumps([_code_digest(), parts], sort_keys=True, default=str)
    return os.path.join(folder, hashlib.sha256(key.encode()).hexdigest()[:32])


@functools.cache
def _code_digest() -> str:
    """A digest of pixeldist's source files and of the versions of Python,
    TensorFlow, Keras, TFP and NumPy."""
    import keras
    import numpy
    import tensorflow
    import tensorflow_probability

    digest = hashlib.sha256()
    for module in (tensorflow, keras, tensorflow_probability, numpy):
        digest.update(f"{module.__name__} {module.__version__}\n".encode())
    digest.update(platform.python_version().encode())
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for folder, _, files in sorted(os.walk(package)):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, package).encode())
                with open(path, "rb") as file:
                    digest.update(hashlib.sha256(file.read()).digest())
    return digest.hexdigest()


def _digest(path: str) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def _entries() -> list[str]:
    try:
        names = os.listdir(_directory)
    except OSError:
        return []
    return [os.path.join(_directory, n) for n in names if n.endswith(".pb")]


def check_once() -> None:
    """Deletes the entries whose checksum is missing or wrong (corrupt, or
    written by a process that stopped before sealing them), then the least
    recently used entries and graphs beyond the size cap (`evict`), once per
    process, before its first XLA-compiled sampler runs.

    An entry whose size and modification time are those its checksum file
    records is not read again (a process would otherwise read the whole
    cache before its first compilation).

    Raises:
      ValueError: `PIXELDIST_COMPILATION_CACHE_MB` is not valid.
    """
    global _checked
    if _checked or _directory is None:
        return
    limit = size_limit()
    _checked = True
    for path in _entries():
        try:
            with open(path + _CHECKSUM, encoding="ascii") as file:
                recorded = file.read().split()
            stamp = _stamp(path)
            if recorded[1:] == stamp:
                _sealed[path] = stamp
                continue
            if recorded and _digest(path) == recorded[0]:  # touched, or older
                _write_checksum(path, recorded[0], stamp)
                _sealed[path] = stamp
                continue
        except OSError:
            pass
        discard(path)
    evict(limit)


def _stamp(path: str) -> list[str]:
    """The size and modification time (ns) of `path`, as recorded."""
    status = os.stat(path)
    return [str(status.st_size), str(status.st_mtime_ns)]


def _write_checksum(path: str, digest: str, stamp: list[str]) -> None:
    with open(path + _CHECKSUM, "w", encoding="ascii") as file:
        file.write(" ".join([digest, *stamp]) + "\n")


def seal() -> None:
    """Writes the checksum of every entry this process has not seen yet
    (the ones its compilations just added), or that changed since it did;
    one thread at a time.

    XLA may compile in the background (`TieredFunction`), and TensorFlow
    writes an entry in place: an entry that changes while it is read is
    left for a later `seal` (the background thread seals after its
    compilation), and one read while it was still being written is read
    again once its size or time changed."""
    if _directory is None:
        return
    with _seal_lock:
        for path in _entries():
            try:
                stamp = _stamp(path)
                if _sealed.get(path) == stamp:
                    continue
                digest = _digest(path)
                if _stamp(path) != stamp:
                    continue  # still being written
                _write_checksum(path, digest, stamp)
            except OSError:
                continue
            _sealed[path] = stamp


def touch(path: str) -> None:
    """Marks the graph `path` (without extension) as just used (`evict`
    deletes the least recently used first)."""
    for extension in (".pb", ".json"):
        try:
            os.utime(path + extension)
        except OSError:
            pass


def evict(limit: int) -> None:
    """Deletes compiled programs and traced graphs, least recently used
    first, until the cache holds at most `limit` bytes.

    A program and its checksum, or a graph's two files, go together. A
    program's last use is the later of its file's access and modification
    times (where the file system does not record accesses, the oldest
    written goes first), a graph's the time `touch` or `save` set."""
    # The folders of every TensorFlow version and processor: those of a
    # version no longer installed age out like unused programs.
    groups = [
        [path, path + _CHECKSUM]
        for path in glob.glob(os.path.join(os.path.dirname(_directory), "*", "*.pb"))
    ]
    try:
        folder = _graph_folder()
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    markers = {}  # a graph's markers of compiled shapes go with it
    for name in names:
        if name.endswith(MARKER):
            markers.setdefault(name.split(".", 1)[0], []).append(name)
    keys = {n.rsplit(".", 1)[0] for n in names if n.endswith((".pb", ".json"))}
    keys = sorted(keys | set(markers))
    groups += [
        [os.path.join(folder, n) for n in (k + ".pb", k + ".json", *markers.get(k, ()))]
        for k in keys
    ]
    usage = []
    for group in groups:
        last_use, size = 0, 0
        for index, name in enumerate(group):
            try:
                status = os.stat(name)
            except OSError:
                continue
            if index == 0:  # the program, or the graph's definitions
                last_use = max(status.st_atime_ns, status.st_mtime_ns)
            size += status.st_size
        usage.append((last_use, size, group))
    total = sum(size for _, size, _ in usage)
    for _, size, group in sorted(usage, key=lambda item: item[0]):
        if total <= limit:
            break
        for name in group:
            _sealed.pop(name, None)
            try:
                os.remove(name)
            except OSError:
                pass
        total -= size


def discard(path: str) -> None:
    """Deletes an entry and its checksum (it will be compiled again)."""
    _sealed.pop(path, None)
    for name in (path, path + _CHECKSUM):
        try:
            os.remove(name)
        except OSError:
            pass


def discard_named_in(message: str) -> bool:
    """Deletes the cache entry that a TensorFlow error message names (an
    entry changed after `check_once`); False when it names none."""
    if _directory is None:
        return False
    found = False
    for path in _entries():
        if path in message:
            discard(path)
            found = True
    return found
