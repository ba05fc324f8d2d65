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

The traced graphs of the samplers are kept beside the compiled programs
(`graph_path`, `<root>/graphs`), so that a later process loads them instead
of tracing them; `RasterGenerator` keys them (with pixeldist's code and the
library versions, here) and `StableFunction` saves and checks them.

`PIXELDIST_COMPILATION_CACHE`: unset, the per-user cache
(`$XDG_CACHE_HOME/pixeldist`, else `~/.cache/pixeldist`); `0`, off; any
other value, that directory instead. A `TF_XLA_FLAGS` that already names a
persistent cache directory is left alone (and not checked).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform

#: The environment variable that moves the compilation cache or turns it off.
CACHE_VARIABLE = "PIXELDIST_COMPILATION_CACHE"

_FLAG = "--tf_xla_persistent_cache_directory"
_CHECKSUM = ".sha256"
#: The flag that pixeldist added to `TF_XLA_FLAGS`, for child processes.
_OWN_FLAG_VARIABLE = "PIXELDIST_XLA_CACHE_FLAG"

_directory: str | None = None
_checked = False
_sealed: set[str] = set()


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


def graph_path(*parts) -> str | None:
    """Where the traced sampler graph keyed by `parts` (JSON-serializable,
    `str()` for the rest) is kept, without extension; None when the cache
    is off.

    The key also holds the digest of pixeldist's own source files and the
    versions of the libraries that trace the graph, so that a graph is never
    reused by other code."""
    if _directory is None:
        return None
    folder = os.path.join(os.path.dirname(os.path.dirname(_directory)), "graphs")
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
    written by a process that stopped before sealing them), once per
    process, before its first XLA-compiled sampler runs."""
    global _checked
    if _checked or _directory is None:
        return
    _checked = True
    for path in _entries():
        try:
            with open(path + _CHECKSUM, encoding="ascii") as file:
                expected = file.read().strip()
            if _digest(path) == expected:
                _sealed.add(path)
                continue
        except OSError:
            pass
        discard(path)


def seal() -> None:
    """Writes the checksum of every entry this process has not seen yet
    (the ones its compilations just added)."""
    if _directory is None:
        return
    for path in _entries():
        if path in _sealed:
            continue
        try:
            digest = _digest(path)
            with open(path + _CHECKSUM, "w", encoding="ascii") as file:
                file.write(digest + "\n")
        except OSError:
            continue
        _sealed.add(path)


def discard(path: str) -> None:
    """Deletes an entry and its checksum (it will be compiled again)."""
    _sealed.discard(path)
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
