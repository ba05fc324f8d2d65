"""Training progress bars on stderr, with tqdm."""

from __future__ import annotations

import sys

import keras
from tqdm.auto import tqdm


class TqdmProgress(keras.callbacks.Callback):
    """One tqdm bar per epoch on stderr, showing the running loss and bits/dim.

    Keras' own progress bar prints to stdout; command-line tools keep stdout
    for results, so this callback is used with `fit(..., verbose=0)`.
    """

    def __init__(
        self,
        num_epochs: int,
        steps_per_epoch: int | None = None,
        file=None,
        disable: bool = False,
    ):
        super().__init__()
        self.num_epochs = num_epochs
        self.steps_per_epoch = steps_per_epoch
        self.file = file or sys.stderr
        self.disable = disable
        self._bar = None

    def on_epoch_begin(self, epoch, logs=None):
        self._bar = tqdm(
            total=self.steps_per_epoch,
            desc=f"epoch {epoch + 1}/{self.num_epochs}",
            unit="batch",
            file=self.file,
            disable=self.disable,
            leave=True,
        )

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(_short(logs), refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.set_postfix(_short(logs))
            self._bar.close()
            self._bar = None


def _short(logs):
    return {k: f"{float(v):.3f}" for k, v in (logs or {}).items()}
