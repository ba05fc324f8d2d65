"""The command hides the libraries' log lines and warnings, and only theirs."""

from __future__ import annotations

import logging
import os
import warnings

import pytest

from pixeldist.cli.library_logs import (
    NATIVE_LOG_LINE,
    native_logs_hidden,
    python_logs_hidden,
    quiet_tensorflow_native_logs,
)
from pixeldist.cli.main import _parser

# Lines TensorFlow 2.21 writes on a machine without a GPU.
NATIVE_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written "
    "to STDERR",
    "I0000 00:00:1796241597.145140   22443 port.cc:153] oneDNN custom operations "
    "are on.",
    "I0000 00:00:1796241597.145535   22443 cudart_stub.cc:31] Could not find cuda "
    "drivers on your machine, GPU will not be used.",
    "E0000 00:00:1796241622.446684   22493 cuda_platform.cc:52] failed call to "
    "cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
    "I0000 00:00:1796241629.561932   22493 device_compiler.h:208] Compiled cluster "
    "using XLA!  This line is logged at most once for the lifetime of the process.",
    "W1231 23:59:59.123456    7 some/file.cc:12] a warning",
]


@pytest.mark.parametrize("line", NATIVE_LINES)
def test_native_log_lines_are_recognized(line):
    assert NATIVE_LOG_LINE.match(line.encode())


@pytest.mark.parametrize(
    "line",
    [
        "Traceback (most recent call last):",
        "I0000 is not a log line",
        "epoch 1/1:  50%|#####     | 1/2",
        "pixeldist train: error: ...",
    ],
)
def test_other_lines_are_not(line):
    assert not NATIVE_LOG_LINE.match(line.encode())


def test_native_logs_are_dropped_and_other_output_kept(capfd):
    with native_logs_hidden():
        os.write(2, ("\n".join(NATIVE_LINES) + "\nkeep this line\n").encode())
    err = capfd.readouterr().err
    assert err == "keep this line\n"


def test_native_logs_pass_when_not_enabled(capfd):
    with native_logs_hidden(enabled=False):
        os.write(2, (NATIVE_LINES[1] + "\n").encode())
    assert capfd.readouterr().err == NATIVE_LINES[1] + "\n"


def test_output_is_passed_on_when_the_block_raises(capfd):
    with pytest.raises(ImportError), native_logs_hidden():
        os.write(2, f"{NATIVE_LINES[2]}\nNo module named nothing\n".encode())
        raise ImportError("nothing")
    assert capfd.readouterr().err == "No module named nothing\n"


def _warn_from(module: str) -> None:
    warnings.warn_explicit("noise", UserWarning, f"{module}.py", 1, module=module)


def test_library_warnings_are_hidden_and_others_kept():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with python_logs_hidden():
            for module in ("keras.src.layers", "tensorflow_probability", "absl"):
                _warn_from(module)
            _warn_from("pixeldist.cli.train_command")
            _warn_from("kerasy")  # a package whose name starts like one
        _warn_from("keras.src.layers")  # the filter ends with the block
    assert [w.filename for w in caught] == [
        "pixeldist.cli.train_command.py",
        "kerasy.py",
        "keras.src.layers.py",
    ]


def _record(pathname: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord("root", level, pathname, 1, "message", None, None)


def test_library_log_records_are_hidden_below_error(caplog):
    library = os.path.join("site-packages", "tensorflow_probability", "dist.py")
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    with caplog.at_level(logging.INFO), python_logs_hidden():
        root = logging.getLogger()
        root.handle(_record(library))
        root.handle(_record(library, logging.ERROR))
        root.handle(_record(os.path.join("pixeldist", "cli", "main.py")))
        assert not tf_logger.isEnabledFor(logging.WARNING)
    assert tf_logger.level == level
    assert [(r.pathname, r.levelno) for r in caplog.records] == [
        (library, logging.ERROR),
        (os.path.join("pixeldist", "cli", "main.py"), logging.WARNING),
    ]


def test_tensorflow_level_is_set_unless_the_user_set_it(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    assert quiet_tensorflow_native_logs()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    assert not quiet_tensorflow_native_logs()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


@pytest.mark.parametrize(
    "argv, verbose",
    [
        (["train"], False),
        (["--verbose", "train"], True),
        (["train", "--verbose"], True),
        (["--verbose", "sample", "--run", "r"], True),
        (["evaluate", "--run", "r", "--verbose"], True),
    ],
)
def test_verbose_before_or_after_the_command(argv, verbose):
    assert _parser().parse_args(argv).verbose is verbose
