"""Keeping TensorFlow's, absl's, Keras' and TFP's logs off the command's stderr.

On a machine without a GPU, TensorFlow's C++ side writes a dozen lines to
stderr (the oneDNN notice, "Could not find cuda drivers", "failed call to
cuInit: INTERNAL: CUDA error", CPU-instruction notices, "Compiled cluster
using XLA!") that read like failures and that a user cannot act on; so do
some Python warnings and log records of Keras and TFP. The command hides
them unless `--verbose` is given; its own messages, progress bars and errors
are untouched.

- `TF_CPP_MIN_LOG_LEVEL=3`, set before TensorFlow loads, silences the C++
  log lines written once TensorFlow's logging is set up.
- The lines written while TensorFlow's shared libraries load come before
  that ("WARNING: All log messages before absl::InitializeLog() is called are
  written to STDERR") and ignore the variable: `native_logs_hidden` catches
  file descriptor 2 while the libraries are imported, drops those lines and
  passes anything else on.
- `python_logs_hidden` drops Python warnings and log records below ERROR
  raised in the libraries, for the duration of the command only.

A user who sets `TF_CPP_MIN_LOG_LEVEL` themselves gets TensorFlow's own
behaviour for the C++ lines.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import re
import sys
import tempfile
import warnings

#: Packages whose Python warnings and log records the command hides.
LIBRARIES = (
    "absl",
    "keras",
    "tensorflow",
    "tensorflow_datasets",
    "tensorflow_probability",
    "tf_keras",
)

#: A C++ log line of absl/TensorFlow ("I0000 00:00:1712.5   123 port.cc:153] …"),
#: or absl's notice before its first line.
NATIVE_LOG_LINE = re.compile(
    rb"^(?:[IWEF]\d{4} [\d:.]+ +\d+ [^\s\]]+:\d+\] "
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called)"
)


def quiet_tensorflow_native_logs() -> bool:
    """Sets `TF_CPP_MIN_LOG_LEVEL=3` unless the user set it; True if it was set.

    Only takes effect before TensorFlow is imported.
    """
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return False
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return True


@contextlib.contextmanager
def native_logs_hidden(enabled: bool = True):
    """Drops C++ log lines written to file descriptor 2 inside the block.

    Everything else written there (a Python traceback, a message from a
    library) is written to stderr when the block ends. Meant for the imports
    that load TensorFlow's shared libraries, not for long computations: the
    output is held back until the block ends.
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured if not NATIVE_LOG_LINE.match(line)]
            if kept:
                sys.stderr.write(b"".join(kept).decode(errors="replace"))
                sys.stderr.flush()


class _FromLibraries(logging.Filter):
    """Rejects records below ERROR logged from a file inside `LIBRARIES`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        return not set(pathlib.PurePath(record.pathname).parts) & set(LIBRARIES)


@contextlib.contextmanager
def python_logs_hidden(enabled: bool = True):
    """Hides the libraries' Python warnings and log records below ERROR.

    Warnings are filtered by the module they are attributed to; log records
    by the libraries' loggers' level, and, for records logged on the root
    logger (TFP's warnings about distribution subclasses), by the file that
    logged them. Everything is restored when the block ends.
    """
    if not enabled:
        yield
        return
    loggers = [logging.getLogger(name) for name in LIBRARIES]
    levels = [logger.level for logger in loggers]
    root_filter = _FromLibraries()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=rf"({'|'.join(LIBRARIES)})(\.|$)")
        for logger in loggers:
            logger.setLevel(max(logger.level, logging.ERROR))
        logging.getLogger().addFilter(root_filter)
        try:
            yield
        finally:
            logging.getLogger().removeFilter(root_filter)
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)
