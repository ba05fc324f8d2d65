"""A training run's directory: its settings, model, checkpoints and outputs."""

from __future__ import annotations

import json
import os

from pixeldist.cli.command_error import CommandError


class RunDirectory:
    """Files of one run.

    - `run.json`: the settings it was trained with (model, data set, options);
    - `model.keras`: the trained model (written atomically at the end);
    - `checkpoint.keras`, `state.json`, `history.csv`: per-epoch checkpoint,
      see `ResumableCheckpoint`;
    - `metrics.json`: held-out bits/dim;
    - `samples.png`, `completions.png`: pictures;
    - `classifier.keras`, `classifier.json`: the image classifier of the
      sample-quality numbers, and the data settings it was trained on.
    """

    SETTINGS = "run.json"
    MODEL = "model.keras"
    METRICS = "metrics.json"
    CLASSIFIER = "classifier.keras"
    CLASSIFIER_SETTINGS = "classifier.json"

    # The model files need TensorFlow; they are imported where a model is
    # loaded, so that the command checks a run directory before loading it.

    def __init__(self, path: str):
        self.path = os.fspath(path)

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    # -- settings ------------------------------------------------------------

    def write_settings(self, settings: dict) -> None:
        os.makedirs(self.path, exist_ok=True)
        with open(self.file(self.SETTINGS), "w") as file:
            json.dump(settings, file, indent=2, sort_keys=True)

    def read_settings(self) -> dict:
        if not os.path.isdir(self.path):
            raise CommandError(f"Run directory {self.path} does not exist.")
        path = self.file(self.SETTINGS)
        if not os.path.isfile(path):
            raise CommandError(
                f"{self.path} is not a pixeldist run directory (no {self.SETTINGS})."
            )
        try:
            with open(path) as file:
                return json.load(file)
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"{path} is unreadable: {error}.") from None

    # -- models ----------------------------------------------------------------

    def trained_model_path(self) -> str:
        """The path of `model.keras`, or a clear error if the run has none."""
        self.read_settings()
        path = self.file(self.MODEL)
        if not os.path.isfile(path):
            raise CommandError(
                f"Run directory {self.path} holds no trained model ({self.MODEL}); "
                "train it first with `pixeldist train`."
            )
        return path

    def load_model(self):
        """The trained model (`model.keras`), or a clear error."""
        from pixeldist.keras_integration.model_file import ModelFileError

        path = self.trained_model_path()
        try:
            return _load_model_file(path)
        except ModelFileError as error:
            raise CommandError(str(error)) from None

    def resume_state(self):
        """`(model, state)` of the last completed epoch, or `(None, None)`."""
        from pixeldist.keras_integration.model_file import ModelFileError
        from pixeldist.keras_integration.resumable_checkpoint import (
            ResumableCheckpoint,
        )

        state = ResumableCheckpoint.load_state(self.path)
        checkpoint = self.file(ResumableCheckpoint.CHECKPOINT)
        if state is None or not os.path.isfile(checkpoint):
            return None, None
        try:
            return _load_model_file(checkpoint), state
        except ModelFileError as error:
            raise CommandError(
                f"Cannot resume: {error} Delete {self.path} to start afresh."
            ) from None

    def has_classifier(self) -> bool:
        return os.path.isfile(self.file(self.CLASSIFIER))

    def load_classifier(self):
        """The run's `ImageClassifier`, or None if it has none."""
        from pixeldist.keras_integration.model_file import ModelFileError

        if not self.has_classifier():
            return None
        try:
            return _load_model_file(self.file(self.CLASSIFIER))
        except ModelFileError as error:
            raise CommandError(str(error)) from None

    def write_classifier_settings(self, settings: dict) -> None:
        with open(self.file(self.CLASSIFIER_SETTINGS), "w") as file:
            json.dump(settings, file, indent=2, sort_keys=True)

    def read_classifier_settings(self) -> dict | None:
        try:
            with open(self.file(self.CLASSIFIER_SETTINGS)) as file:
                return json.load(file)
        except (OSError, json.JSONDecodeError):
            return None

    def write_metrics(self, metrics: dict) -> None:
        with open(self.file(self.METRICS), "w") as file:
            json.dump(metrics, file, indent=2, sort_keys=True)


def _load_model_file(path: str):
    import pixeldist
    from pixeldist.keras_integration.model_file import load_model_file

    # Keras finds pixeldist's classes only once their modules are imported,
    # which the command does not do up front.
    pixeldist._import_public_names()
    return load_model_file(path)
