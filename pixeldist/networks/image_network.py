"""Base of the functional networks: constructor arguments kept as config and checked."""

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


def check_integer(name: str, value, least: int, odd: bool = False) -> int:
    """An architecture argument that must be an integer >= `least` (and odd)."""
    if isinstance(value, bool) or int(value) != value or value < least:
        kind = "an odd integer" if odd else "an integer"
        raise ValueError(f"`{name}` must be {kind} >= {least}, got {value}.")
    if odd and int(value) % 2 == 0:
        raise ValueError(f"`{name}` must be odd, got {value}.")
    return int(value)


def check_num_filters(num_filters, num_channel_groups: int) -> int:
    """`num_filters` >= 1, and >= the R/G/B groups its features are split into."""
    num_filters = check_integer("num_filters", num_filters, 1)
    if num_filters < num_channel_groups:
        raise ValueError(
            f"`num_filters` must be >= the number of channels ({num_channel_groups}) "
            f"for the R/G/B feature groups, got {num_filters}."
        )
    return num_filters
