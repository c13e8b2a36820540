"""Clock helpers: one notion of 'now' for every module (naive UTC, as the database stores it)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
