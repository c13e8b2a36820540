"""Who runs a use case and on whose clock: every command is handed one.

The API, the UI and the CLI build it from the signed-in user; workers and the demo run as the
system, which the permission table does not restrict. The time zone comes from the
configuration, so "today" is the same date for every entry point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from service import auth
from service.audit import SYSTEM
from service.config import Config
from service.models import User


@dataclass(frozen=True)
class Caller:
    """The acting user (None for the system itself) and the configured time zone."""

    user: User | None
    timezone: str
    system_name: str = SYSTEM  # who acts when there is no user: the system, the CLI…

    @classmethod
    def system(cls, timezone: str | None = None, name: str = SYSTEM) -> Caller:
        """The system itself, on the given clock or the configured one."""
        return cls(None, timezone or Config().timezone, name)

    @property
    def name(self) -> str:
        """How the audit log and the lifecycle history name whoever acted."""
        return self.user.username if self.user is not None else self.system_name

    def require(self, action: str, obj: Any = None) -> None:
        """NotFound for an object outside the user's scope, Forbidden for a missing right."""
        if self.user is not None:
            auth.check(self.user, action, obj)

    def can(self, action: str, obj: Any = None) -> bool:
        return self.user is None or auth.can(self.user, action, obj)

    def now(self) -> datetime:
        """The local wall-clock time, naive, as visits are stored."""
        return datetime.now(ZoneInfo(self.timezone)).replace(tzinfo=None)

    def today(self) -> date:
        return self.now().date()
