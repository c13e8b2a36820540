"""Health checks for the operator: `/healthz` (the process answers) and `/readyz` (its services)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import text

from service import jobs
from service.config import Config
from service.database import session
from service.documents.libreoffice import (
    PREFERRED_FONT,
    SUBSTITUTE_FONT,
    libreoffice_available,
    pdf_font,
)
from service.mail.transport import SmtpSettings
from service.signing.toolkit import read_roots

health = APIBlueprint("health", __name__, enable_openapi=False)
TIMEOUT = 3.0
HEARTBEAT_SECONDS = 5.0  # how often an embedded worker says it is alive
WORKER_SILENT_SECONDS = 60.0  # a worker not heard from for this long is taken for gone
STALLED_SECONDS = 120.0  # jobs due this long with nothing moving mean no worker is working


def heartbeat_file(config: Config, node: str) -> Path:
    """Where worker `node` says it is alive (the embedded default shares one var dir)."""
    return config.var_dir / "heartbeats" / f"{node}.alive"


def beat(config: Config, node: str) -> None:
    """Mark worker `node` alive now (a time stamp only: it needs no free space once created)."""
    path = heartbeat_file(config, node)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    os.utime(path)


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


def _worker(config: Config) -> str:
    """A worker is alive (its heartbeat, or its answer over the broker) and jobs are moving."""
    if config.is_embedded_broker:
        beats = [p.stat().st_mtime for p in heartbeat_file(config, "*").parent.glob("*.alive")]
        silent = time.time() - max(beats, default=0.0)
        if silent > WORKER_SILENT_SECONDS:
            raise RuntimeError("không thấy tiến trình xử lý nền nào đang chạy")
        detail = f"ok (tín hiệu {silent:.0f} giây trước)"
    else:
        celery = current_app.extensions["celery"]
        with celery.connection_for_write() as connection:  # a broker away fails fast
            connection.ensure_connection(max_retries=1, timeout=TIMEOUT)
            answers = celery.control.ping(timeout=1.0, connection=connection)
        if not answers:
            raise RuntimeError("không có tiến trình xử lý nền nào trả lời")
        detail = f"ok ({len(answers)} tiến trình)"
    stalled = jobs.stalled(session(), STALLED_SECONDS)
    if stalled:
        raise RuntimeError(f"{stalled} việc đến hạn quá {STALLED_SECONDS:.0f} giây chưa được xử lý")
    return detail


def _jobs(config: Config) -> str:
    """No job is overdue by more than a lease with its queue standing still (`jobs.overdue`)."""
    late = jobs.overdue(session(), config.lease_seconds)
    if late:
        raise RuntimeError(
            f"{late} việc quá hạn hơn {config.lease_seconds} giây mà hàng đợi của chúng không "
            "được xử lý"
        )
    return "ok"


def _libreoffice(config: Config) -> str:
    """Where LibreOffice is, and how many warm instances convert on it and for how long (the
    workers' settings, as this process reads them)."""
    path = libreoffice_available(config.soffice)
    if path is None:
        raise FileNotFoundError("không có LibreOffice: văn bản chỉ có bản DOCX")
    restart = (
        f"khởi động lại sau mỗi {config.pdf_restart_after} văn bản"
        if config.pdf_restart_after
        else "không khởi động lại định kỳ"
    )
    return f"{path} ({config.pdf_instances} phiên bản chạy sẵn mỗi tiến trình xử lý, {restart})"


def _pdf_font(_config: Config) -> str:
    """The font the PDFs are set in, first in the detail: Times New Roman, or Liberation Serif
    in its place (the same line breaks and pages); anything else fails this check."""
    family = pdf_font()
    if family == PREFERRED_FONT:
        return family
    if family == SUBSTITUTE_FONT:
        return (
            f"{family} (thay cho {PREFERRED_FONT}, cùng độ rộng chữ; cài gói "
            f"ttf-mscorefonts-installer để PDF dùng {PREFERRED_FONT})"
        )
    raise LookupError(
        f"không có {PREFERRED_FONT} hay {SUBSTITUTE_FONT}: PDF dùng "
        f"{family or 'phông không xác định'}, ngắt dòng và trang có thể khác"
    )


def _smtp(config: Config) -> str:
    if not config.smtp_url:
        if not os.access(config.var_dir, os.W_OK):
            raise OSError(f"thư mục {config.outbox_dir} không ghi được")
        return "ok (hộp thư đi)"
    settings = SmtpSettings.parse(config.smtp_url)
    with socket.create_connection((settings.host, settings.port), timeout=TIMEOUT):
        return "ok"


def _signing(config: Config) -> str:
    """Whether documents wait for their signatures, and with what: trust roots, where the keys
    are, which timestamp authority. On without a root, nothing could be signed or sent."""
    if not config.signing_on:
        return "tắt: văn bản được gửi đi không có chữ ký số"
    roots = len(read_roots(config.signing_dir / "roots"))
    if not roots:
        raise FileNotFoundError(
            f"chưa có chứng thư số gốc tin cậy trong {config.signing_dir}/roots"
        )
    if config.pkcs11_module:
        if not Path(config.pkcs11_module).is_file():
            raise FileNotFoundError(f"không có thư viện PKCS#11 {config.pkcs11_module}")
        keys = f"khóa trong thiết bị ký số «{config.pkcs11_token}»"
    else:
        keys = f"{len(list((config.signing_dir / 'keys').glob('*.p12')))} tệp khóa PKCS#12"
    tsa = config.tsa_url or "khóa dấu thời gian của CA thử nghiệm"
    return f"bật: {roots} chứng thư số gốc, {keys}, dấu thời gian: {tsa}"


CHECKS: dict[str, Callable[[Config], str]] = {
    "database": _database,
    "broker": _broker,
    "worker": _worker,
    "jobs": _jobs,
    "libreoffice": _libreoffice,
    "pdf_font": _pdf_font,
    "smtp": _smtp,
    "signing": _signing,
}
# Without LibreOffice the service still works (DOCX only), and PDFs in another font are still
# PDFs: reported, not fatal.
OPTIONAL = {"libreoffice", "pdf_font"}


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
