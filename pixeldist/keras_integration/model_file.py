"""Writing and reading `.keras` model files safely."""

from __future__ import annotations

import os
import tempfile
import zipfile

import keras


class ModelFileError(ValueError):
    """A model file that is missing, truncated, corrupt or not a pixeldist model."""


def save_model_atomically(model: keras.Model, path: str | os.PathLike) -> None:
    """Saves `model` to `path` (`.keras`) so that a crash never leaves half a file.

    The model is written to a temporary file in the same directory, flushed to
    disk, then renamed over `path` (an atomic replace on POSIX and Windows).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".keras", dir=directory)
    os.close(handle)
    try:
        model.save(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def load_model_file(path: str | os.PathLike) -> keras.Model:
    """Loads a `.keras` file, with an error naming the file when it cannot.

    Raises:
      ModelFileError: the file does not exist, is truncated or corrupt, or
        does not hold a Keras model.
    """
    import pixeldist  # noqa: F401  (registers the pixeldist classes)

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"Model file {path} does not exist.")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            f"Model file {path} is truncated or corrupt (not a valid .keras archive)."
        )
    try:
        return keras.models.load_model(path)
    except Exception as error:  # Keras raises many types for damaged archives
        raise ModelFileError(
            f"Model file {path} could not be loaded ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else 'no details'})."
        ) from error
