"""On/off settings read from the environment."""

from __future__ import annotations

import os


def read_switch(variable: str, default: str = "1") -> bool:
    """Whether the environment variable `variable` (`default` when unset) is
    `"1"`; `"0"` is off.

    Raises:
      ValueError: any other value, naming the variable.
    """
    value = os.environ.get(variable, default)
    if value not in ("0", "1"):
        raise ValueError(
            f"The environment variable {variable} must be 0 or 1, got {value!r}."
        )
    return value == "1"
