"""Settings read from `VANTHU_*` environment variables, one object for web, workers and CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"VANTHU_{name}", default)


@dataclass(frozen=True)
class Config:
    """Everything that differs between the embedded default and production."""

    var_dir: Path = field(default_factory=lambda: Path(_env("VAR_DIR", "var")).resolve())
    database_url: str = ""
    broker_url: str = ""
    secret_key: str = field(default_factory=lambda: _env("SECRET_KEY", "dev-only-secret"))
    smtp_url: str = field(default_factory=lambda: _env("SMTP_URL", ""))
    mail_from: str = field(default_factory=lambda: _env("MAIL_FROM", "vanthu@example.org"))
    soffice: str = field(default_factory=lambda: _env("SOFFICE", "soffice"))
    lease_seconds: int = field(default_factory=lambda: int(_env("LEASE_SECONDS", "20")))
    sweep_seconds: float = field(default_factory=lambda: float(_env("SWEEP_SECONDS", "5")))
    reminder_days: int = field(default_factory=lambda: int(_env("REMINDER_DAYS", "3")))
    max_content_length: int = field(
        default_factory=lambda: int(_env("MAX_CONTENT_LENGTH", str(5 * 1024 * 1024)))
    )
    timezone: str = field(default_factory=lambda: _env("TIMEZONE", "Asia/Ho_Chi_Minh"))

    def __post_init__(self) -> None:
        # Defaults depend on var_dir, so they are filled in after it is known.
        if not self.database_url:
            url = _env("DATABASE_URL", f"sqlite:///{self.var_dir / 'vanthu.sqlite'}")
            object.__setattr__(self, "database_url", url)
        if not self.broker_url:
            url = _env("BROKER_URL", "filesystem://")
            object.__setattr__(self, "broker_url", url)

    @property
    def is_embedded_broker(self) -> bool:
        return self.broker_url.startswith("filesystem://")

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"
