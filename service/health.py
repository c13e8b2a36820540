"""Health checks for the operator: `/healthz` (the process answers) and `/readyz` (its services)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import text

from service.config import Config
from service.database import session
from service.documents.libreoffice import libreoffice_available
from service.mail.transport import SmtpSettings

health = APIBlueprint("health", __name__, enable_openapi=False)
TIMEOUT = 3.0


def _database(_config: Config) -> str:
    session().execute(text("SELECT 1"))
    return "ok"


def _broker(config: Config) -> str:
    if config.is_embedded_broker:
        folder = config.var_dir / "broker"
        if not os.access(folder, os.W_OK):
            raise OSError(f"thư mục hàng đợi {folder} không ghi được")
        return "ok (thư mục)"
    with current_app.extensions["celery"].connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=TIMEOUT)
    return "ok"


def _libreoffice(config: Config) -> str:
    path = libreoffice_available(config.soffice)
    if path is None:
        raise FileNotFoundError("không có LibreOffice: văn bản chỉ có bản DOCX")
    return path


def _smtp(config: Config) -> str:
    if not config.smtp_url:
        if not os.access(config.var_dir, os.W_OK):
            raise OSError(f"thư mục {config.outbox_dir} không ghi được")
        return "ok (hộp thư đi)"
    settings = SmtpSettings.parse(config.smtp_url)
    with socket.create_connection((settings.host, settings.port), timeout=TIMEOUT):
        return "ok"


CHECKS: dict[str, Callable[[Config], str]] = {
    "database": _database,
    "broker": _broker,
    "libreoffice": _libreoffice,
    "smtp": _smtp,
}
# Without LibreOffice the service still works (DOCX only): reported, not fatal.
OPTIONAL = {"libreoffice"}


@health.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    config: Config = current_app.config["VANTHU"]
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = {"ok": True, "detail": check(config)}
        except Exception as error:  # every failure is a finding, not a crash
            results[name] = {"ok": False, "detail": f"{type(error).__name__}: {error}"}
    ready = all(r["ok"] for name, r in results.items() if name not in OPTIONAL)
    return {"status": "ok" if ready else "unavailable", "checks": results}, 200 if ready else 503
