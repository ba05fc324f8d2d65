"""The command line's pictures label their rows and mark the known rows."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pixeldist.cli import pictures
from pixeldist.cli.data_access import class_names
from pixeldist.data import dataset_info


@pytest.fixture
def drawn(monkeypatch):
    """The arguments of every `labelled_image_grid` call; pictures still save."""
    calls = []
    real = pictures.labelled_image_grid

    def record(images, **kwargs):
        calls.append({"shape": np.shape(images), **kwargs})
        return real(images, **kwargs)

    monkeypatch.setattr(pictures, "labelled_image_grid", record)
    return calls


def test_class_rows_pair_real_and_generated_with_class_names(tmp_path, drawn):
    real = np.zeros((2, 3, 8, 8, 1))
    generated = np.ones((2, 3, 8, 8, 1))
    pictures.save_class_rows(
        tmp_path / "s.png", real, generated, high=16, class_names=["cat", "dog"]
    )
    (call,) = drawn
    assert call["shape"] == (4, 3, 8, 8, 1)
    assert call["row_labels"] == [
        "real cat",
        "generated cat",
        "real dog",
        "generated dog",
    ]
    assert call["rows_per_group"] == 2
    with Image.open(tmp_path / "s.png") as picture:
        assert picture.size[1] == 2 * (2 * 66 + 2) + 10  # two classes, a gap


def test_unconditional_rows_say_real_and_generated(tmp_path, drawn):
    images = np.zeros((1, 2, 8, 8, 1))
    pictures.save_class_rows(tmp_path / "s.png", images, images, high=1)
    pictures.save_generated_rows(tmp_path / "g.png", images, high=1)
    assert drawn[0]["row_labels"] == ["real", "generated"]
    assert drawn[1]["row_labels"] == ["generated"]


def test_generated_rows_carry_their_names(tmp_path, drawn):
    rows = np.zeros((2, 4, 28, 28, 1))
    pictures.save_generated_rows(
        tmp_path / "g.png", rows, high=255, row_names=["Trouser", "Bag"]
    )
    assert drawn[0]["row_labels"] == ["generated Trouser", "generated Bag"]


def test_completions_mark_where_the_known_rows_end(tmp_path, drawn):
    originals = np.full((3, 8, 8, 1), 16.0)
    completions = np.zeros((2, 3, 8, 8, 1))
    pictures.save_completions(tmp_path / "c.png", originals, completions, 5, high=16)
    (call,) = drawn
    assert call["row_labels"] == [
        "original",
        "known rows",
        "completion 1",
        "completion 2",
    ]
    assert call["row_marks"] == [None, 5, 5, 5]
    with Image.open(tmp_path / "c.png") as picture:
        pixels = np.asarray(picture.convert("RGB"))
    # The known rows' unknown part is grey, between paper and ink.
    tile = pixels[68:132, -66:-2]  # grid row 1, last column
    assert tuple(tile[-1, 0]) == (128, 128, 128)
    assert tuple(tile[0, 0]) == (255, 255, 255)


def test_class_names_of_a_run():
    assert class_names(dataset_info("fashion_mnist"), 10)[9] == "Ankle boot"
    assert class_names(dataset_info("digits"), 10) == [str(d) for d in range(10)]
    assert class_names(dataset_info("imagenet_resized/32x32"), 3) == [
        "class 0",
        "class 1",
        "class 2",
    ]
