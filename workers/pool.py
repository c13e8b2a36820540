"""The prefork pool, replacing a killed pool process within half a second instead of five.

Celery replaces a pool process at once when one it knows to be up exits, but one killed before
it reported for work (just started, or started to replace another) is only noticed by the pool's
periodic upkeep, every five seconds; meanwhile a one-process worker does nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery.concurrency import asynpool, prefork

UPKEEP_SECONDS = 0.5


class AsynPool(asynpool.AsynPool):  # type: ignore[misc]
    @property
    def timers(self) -> dict[Callable[..., Any], float]:
        return {self.maintain_pool: UPKEEP_SECONDS}


class TaskPool(prefork.TaskPool):  # type: ignore[misc]
    Pool = AsynPool
