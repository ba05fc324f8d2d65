"""Base of the functional networks: constructor arguments kept as config."""

from __future__ import annotations

import keras


class ImageNetwork(keras.Model):
    """A functional `keras.Model` built in `__init__` from its arguments.

    Subclasses build their graph, call `super().__init__(inputs=..., outputs=...)`
    and then `self._keep_arguments(arguments)` with the arguments captured at
    the top of their constructor: each becomes an attribute, and `get_config`
    returns them, so `from_config(get_config())` rebuilds the same network.
    """

    def _keep_arguments(self, arguments: dict) -> None:
        self._arguments = {
            k: v
            for k, v in arguments.items()
            if k not in ("self", "__class__", "kwargs", "dtype")
        }
        for key, value in self._arguments.items():
            setattr(self, key, value)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, **self._arguments}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
