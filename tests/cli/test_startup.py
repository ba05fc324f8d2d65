"""A new user's first minute: quick help, clean stderr, errors before TensorFlow.

Each test runs the command in a fresh process, as a user would, with
`TF_CPP_MIN_LOG_LEVEL` unset (the test session sets it).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

import pixeldist
from pixeldist.cli.data_access import DATASET_NAMES
from pixeldist.data import dataset_info

NATIVE_LOG_LINE = re.compile(r"^[IWEF]0000 ", flags=re.M)

# Runs the command as its console script does, then reports what was imported.
PROBE = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["pixeldist", *json.loads(sys.argv[1])]
    from pixeldist.cli.main import console_main
    try:
        console_main()
    except SystemExit as exit:
        code = exit.code
    heavy = {"tensorflow", "keras", "tensorflow_probability"}
    loaded = sorted(heavy & set(sys.modules))
    print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
    """
)


def _user_environment() -> dict:
    """A user's environment: no log level of ours, samplers compiled with XLA
    (whose "Compiled cluster" line must be hidden too)."""
    environment = dict(os.environ)
    environment.pop("TF_CPP_MIN_LOG_LEVEL", None)
    environment.pop("PIXELDIST_JIT_COMPILE", None)
    return environment


def _probe(*argv: str):
    """`(exit code, heavy modules imported, stdout, stderr)` of `pixeldist ARGV`."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        env=_user_environment(),
        timeout=300,
    )
    *err, report = done.stderr.strip().splitlines() or [""]
    report = json.loads(report)
    return report["code"], report["loaded"], done.stdout, "\n".join(err)


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("train", "--help"),
        ("sample", "--help"),
        ("complete", "--help"),
        ("evaluate", "--help"),
    ],
)
def test_help_answers_without_tensorflow(argv):
    code, loaded, out, err = _probe(*argv)
    assert code == 0 and loaded == []
    assert out.startswith("usage: pixeldist")
    assert err == ""


def test_version_answers_without_tensorflow():
    code, loaded, out, _ = _probe("--version")
    assert code == 0 and loaded == []
    assert out.strip() == f"pixeldist {pixeldist.__version__}"


@pytest.mark.parametrize(
    "argv, message",
    [
        (("train", "--dataset", "svhn"), "invalid choice: 'svhn'"),
        (("train", "--batch-size", "0"), "--batch-size: must be >= 1, got 0"),
        (("train", "--learning-rate", "-1"), "--learning-rate: must be > 0"),
        (("train", "--epochs", "many"), "--epochs: invalid integer: 'many'"),
        (("sample", "--run", "r", "--temperature", "0"), "--temperature: must be"),
        (("sample", "--run", "r", "--num", "0"), "--num: must be >= 1"),
        (("complete", "--run", "r", "--num-known-rows", "-1"), "must be >= 0"),
        (("sample", "--run", "/no/such/run"), "does not exist"),
        (("evaluate", "--run", "."), "not a pixeldist run directory"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
    ],
)
def test_argument_errors_come_before_tensorflow(argv, message):
    code, loaded, _, err = _probe(*argv)
    assert code == 2 and loaded == []
    assert message in err
    assert "Traceback" not in err


def test_command_line_data_set_names_are_the_library_ones():
    for name in DATASET_NAMES:
        assert dataset_info(name).name == name
    with pytest.raises(ValueError) as caught:
        dataset_info("?")
    assert f"supported: {', '.join(DATASET_NAMES)}." in str(caught.value)


def _console_script() -> list[str]:
    """The installed `pixeldist` command, or the same entry point run by Python."""
    script = os.path.join(os.path.dirname(sys.executable), "pixeldist")
    if os.path.isfile(script):
        return [script]
    return [
        sys.executable,
        "-c",
        "import sys; sys.argv[0] = 'pixeldist'; "
        "from pixeldist.cli.main import console_main; console_main()",
    ]


def test_training_on_the_digits_leaves_stderr_clean(tmp_path):
    out = tmp_path / "digits"
    done = subprocess.run(
        [
            *_console_script(),
            "train",
            "--epochs",
            "1",
            "--max-steps-per-epoch",
            "2",
            "--num-layers",
            "1",
            "--num-filters",
            "8",
            "--samples-per-class",
            "1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=_user_environment(),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert not NATIVE_LOG_LINE.search(done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert "WARNING" not in done.stderr  # Python log records of the libraries
    # pixeldist's own output is still there: progress bars and the summary.
    assert "epoch 1/1" in done.stderr and "sampling" in done.stderr
    assert "wrote" in done.stderr
    assert "held-out bits/dim" in done.stdout
    assert (out / "samples.png").is_file() and (out / "completions.png").is_file()
