"""`import pixeldist`: every public name, lazily in the command, eagerly elsewhere."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import pixeldist


def _run(code: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def test_the_table_lists_every_public_name():
    assert sorted(pixeldist._PUBLIC_NAMES) == sorted(pixeldist.__all__)


@pytest.mark.parametrize("name", pixeldist.__all__)
def test_every_public_name_imports(name):
    namespace = {}
    exec(f"from pixeldist import {name}", namespace)
    assert namespace[name] is getattr(pixeldist, name)
    assert name in dir(pixeldist)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'PixelGAN'"):
        pixeldist.PixelGAN  # noqa: B018


def test_lazy_in_the_command_process():
    _run(
        """
        import sys
        sys.argv = ["/usr/local/bin/pixeldist"]
        import pixeldist
        assert pixeldist.__version__
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules
        from pixeldist import data, PixelCNN
        dist = pixeldist.PixelCNN((4, 4, 1), num_layers=1, num_filters=8)
        assert dist.image_shape == (4, 4, 1)
        assert data.dataset_info("digits").name == "digits"
        """
    )


def test_a_saved_model_loads_right_after_import_pixeldist(tmp_path):
    """Keras needs pixeldist's classes registered: `import pixeldist` does it."""
    path = tmp_path / "model.keras"
    _run(
        f"""
        import keras, pixeldist
        dist = pixeldist.PixelCNN((4, 4, 1), high=3, num_layers=1, num_filters=8)
        model = pixeldist.DensityModel(dist)
        model.save({str(path)!r})
        """
    )
    _run(
        f"""
        import pixeldist
        import keras
        model = keras.models.load_model({str(path)!r})
        assert type(model).__name__ == "DensityModel"
        """
    )
