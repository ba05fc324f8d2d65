"""A Keras callback that makes a training run resumable after a crash."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile

import keras

from pixeldist.keras_integration.model_file import save_model_atomically


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    with os.fdopen(handle, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


class ResumableCheckpoint(keras.callbacks.Callback):
    """Saves the model, optimizer state and history after every epoch.

    At the end of epoch e it writes, each file atomically (temporary file,
    then rename): `checkpoint.keras` (weights and optimizer state), then
    `state.json` (`{"epoch": e + 1, "history": {...}}`) and `history.csv`
    (one row per completed epoch). `state.json` is written last, so a crash
    at any moment leaves a consistent pair: the state never names an epoch
    whose checkpoint is missing. A run started again loads the checkpoint
    and continues with `initial_epoch = state["epoch"]`: no completed epoch
    is lost or repeated, and the history has no gap.

    Args:
      directory: the run directory.
    """

    CHECKPOINT = "checkpoint.keras"
    STATE = "state.json"
    HISTORY = "history.csv"

    def __init__(self, directory: str, history: dict | None = None):
        super().__init__()
        self.directory = os.fspath(directory)
        self.history = {k: list(v) for k, v in (history or {}).items()}

    @classmethod
    def load_state(cls, directory: str) -> dict | None:
        """`{"epoch": int, "history": dict}` of the last completed epoch, or None."""
        state_path = os.path.join(directory, cls.STATE)
        if not os.path.isfile(state_path):
            return None
        with open(state_path) as file:
            return json.load(file)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        save_model_atomically(self.model, os.path.join(self.directory, self.CHECKPOINT))
        _write_atomically(
            os.path.join(self.directory, self.HISTORY), self._history_csv(epoch + 1)
        )
        state = {"epoch": epoch + 1, "history": self.history}
        _write_atomically(os.path.join(self.directory, self.STATE), json.dumps(state))

    def _history_csv(self, num_epochs: int) -> str:
        keys = sorted(self.history)
        rows = [["epoch", *keys]]
        for e in range(num_epochs):
            rows.append(
                [e]
                + [
                    repr(self.history[k][e]) if e < len(self.history[k]) else ""
                    for k in keys
                ]
            )
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue()
