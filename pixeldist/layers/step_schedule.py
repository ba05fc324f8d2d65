"""When the cached evaluation of a network computes a tensor."""

from __future__ import annotations

import enum


class Schedule(enum.IntEnum):
    """When raster-order generation computes a tensor of a causal network.

    - `CONSTANT`: once per generation (the condition, and what depends on it
      only, such as a class bias).
    - `ROW`: a whole row at a time, at the start of each image row; the
      tensor's row i depends on earlier rows only (a vertical stack).
    - `POSITION`: one position at each raster step (a horizontal stack, the
      network's output).

    Ordered by lateness: a tensor computed from others is scheduled no
    earlier than the latest of them, so `Schedule.latest` gives the schedule
    of a position-wise function of its inputs.
    """

    CONSTANT = 0
    ROW = 1
    POSITION = 2

    @staticmethod
    def latest(*schedules: Schedule) -> Schedule:
        return max(schedules, default=Schedule.CONSTANT)
