"""`pixeldist compress` and `pixeldist decompress`: round trips through files,
progress bars, and one-line errors with exit code 2."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from pixeldist.cli.main import main
from pixeldist.data import digits_arrays

#: A run trained for one step: enough for a model file, fast.
TINY = (
    "--epochs 1 --max-steps-per-epoch 1 --num-layers 1 --num-filters 8 "
    "--samples-per-class 1 --classifier-epochs 0 --quiet"
).split()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A class-conditional digits run (8x8 grey, values 0..16)."""
    out = str(tmp_path_factory.mktemp("runs") / "digits")
    assert main(["train", "--out", out, *TINY]) == 0
    return out


@pytest.fixture(scope="module")
def digits():
    images, labels = digits_arrays("test")
    return images[:3].astype(np.uint8), labels[:3]


def _pngs(tmp_path, images):
    paths = []
    for index, image in enumerate(images):
        paths.append(str(tmp_path / f"in{index}.png"))
        Image.fromarray(image[..., 0]).save(paths[-1])
    return paths


def _labels(labels):
    return ["--labels", *map(str, labels)]


def test_png_files_round_trip_with_progress_bars(run, digits, tmp_path, capsys):
    images, labels = digits
    stream = str(tmp_path / "digits.pxdz")
    argv = ["compress", "--run", run, *_pngs(tmp_path, images), "--out", stream]
    assert main([*argv, *_labels(labels)]) == 0
    out = str(tmp_path / "decoded")
    assert (
        main(["decompress", "--run", run, stream, "--out", out, *_labels(labels)]) == 0
    )
    captured = capsys.readouterr()
    assert "compressing" in captured.err and "decompressing" in captured.err
    assert "bits/dim" in captured.out
    decoded = [
        np.asarray(Image.open(os.path.join(out, f"{k:05d}.png"))) for k in range(3)
    ]
    np.testing.assert_array_equal(np.stack(decoded)[..., None], images)


def test_a_npy_array_round_trips_with_its_dtype(run, digits, tmp_path):
    images, labels = digits
    array = images.astype(np.int16)
    np.save(tmp_path / "in.npy", array)
    stream = str(tmp_path / "digits.pxdz")
    argv = ["compress", "--run", run, str(tmp_path / "in.npy"), "--out", stream]
    assert main([*argv, "--labels", "4", "--quiet"]) == 0  # one label for all
    out = str(tmp_path / "out.npy")
    argv = ["decompress", "--run", run, stream, "--out", out, "--labels", "4"]
    assert main([*argv, "--quiet"]) == 0
    decoded = np.load(out)
    assert decoded.dtype == np.int16
    np.testing.assert_array_equal(decoded, array)


@pytest.mark.parametrize(
    "case, message",
    [
        ("no_labels", "class-conditional: pass --labels"),
        ("two_labels", "one label per image"),
        ("label_10", "outside the model's classes"),
        ("bright_png", "values outside [low, high] = [0, 16]"),
        ("big_png", "a 9x8 picture"),
        ("png_and_npy", "not both"),
        ("condition_from", "--condition-from is for models"),
        ("missing_input", "cannot read it"),
    ],
)
def test_compress_user_errors_exit_2_with_one_line(
    case, message, run, digits, tmp_path, capsys
):
    images, labels = digits
    pngs = _pngs(tmp_path, images)
    if case == "bright_png":
        Image.fromarray(np.full((8, 8), 200, np.uint8)).save(pngs[0])
    if case == "big_png":
        Image.fromarray(np.zeros((8, 9), np.uint8)).save(pngs[0])
    inputs = {
        "png_and_npy": [*pngs, "x.npy"],
        "missing_input": [str(tmp_path / "nope.npy")],
    }.get(case, pngs)
    flags = {
        "no_labels": [],
        "two_labels": ["--labels", "1", "2"],
        "label_10": ["--labels", "10"],
        "condition_from": ["--condition-from", "x.npy"],
    }.get(case, ["--labels", "1"])
    argv = ["compress", "--run", run, *inputs, "--out", str(tmp_path / "s")]
    assert main([*argv, *flags, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "case, message",
    [
        ("other_labels", "differs from the condition"),
        ("corrupt", "payload is corrupted"),
        ("truncated", "truncated"),
        ("not_a_stream", "Not a pixeldist compressed stream"),
        ("missing", "cannot read it"),
    ],
)
def test_decompress_user_errors_exit_2_with_one_line(
    case, message, run, digits, tmp_path, capsys
):
    images, labels = digits
    stream = tmp_path / "s.pxdz"
    argv = ["compress", "--run", run, *_pngs(tmp_path, images), "--out", str(stream)]
    assert main([*argv, *_labels(labels), "--quiet"]) == 0
    data = stream.read_bytes()
    if case == "corrupt":
        stream.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    if case == "truncated":
        stream.write_bytes(data[:-4])
    if case == "not_a_stream":
        stream.write_bytes(b"hello")
    if case == "missing":
        stream = tmp_path / "missing.pxdz"
    if case == "other_labels":
        labels = (labels + 1) % 10
    argv = ["decompress", "--run", run, str(stream), "--out", str(tmp_path / "o")]
    assert main([*argv, *_labels(labels), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not os.path.exists(tmp_path / "o")


def test_a_low_resolution_run_compresses_given_its_condition(
    tmp_path_factory, digits, tmp_path, capsys
):
    out = str(tmp_path_factory.mktemp("runs") / "lowres")
    assert main(["train", "--condition", "lowres:4", "--out", out, *TINY]) == 0
    images, _ = digits
    np.save(tmp_path / "in.npy", images)
    stream = str(tmp_path / "s.pxdz")
    argv = ["compress", "--run", out, str(tmp_path / "in.npy"), "--out", stream]
    assert main([*argv, "--quiet"]) == 2
    assert "pass --condition-from" in capsys.readouterr().err
    condition = ["--condition-from", str(tmp_path / "in.npy"), "--quiet"]
    assert main([*argv, *condition]) == 0
    decoded = str(tmp_path / "out.npy")
    argv = ["decompress", "--run", out, stream, "--out", decoded]
    assert main([*argv, *condition]) == 0
    np.testing.assert_array_equal(np.load(decoded), images)
    # The low-resolution images themselves are the same condition.
    small = images.reshape(3, 2, 4, 2, 4, 1).mean(axis=(2, 4))
    np.save(tmp_path / "small.npy", small)
    condition[1] = str(tmp_path / "small.npy")
    assert main([*argv, *condition]) == 0
    np.testing.assert_array_equal(np.load(decoded), images)
    np.save(tmp_path / "small.npy", small[::-1])
    assert main([*argv, *condition]) == 2
    assert "differs from the condition" in capsys.readouterr().err
