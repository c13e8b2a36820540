"""Operator checks (and the administrators' banner of overdue jobs), oversized requests, and a
PostgreSQL that drops its connections."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from service import jobs
from service.app import create_app
from service.config import Config
from service.database import transaction
from service.models import Job
from service.timeutil import utcnow
from tests.conftest import POSTGRES_URL
from tests.test_web_support import Accounts, accounts, campaign_id, sign_in
from workflows.vocabulary import JobKind, JobState

__all__ = ["accounts", "campaign_id"]  # fixtures used here


def test_healthz_and_readyz(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    checks = {"database", "broker", "worker", "jobs", "libreoffice", "pdf_font", "smtp", "signing"}
    assert set(ready.json["checks"]) == checks
    assert ready.json["checks"]["database"]["ok"] is True
    assert ready.json["checks"]["signing"]["detail"].startswith("tắt")  # no root: "auto" is off


def test_readyz_says_what_signing_uses_and_fails_on_without_a_root(config: Config) -> None:
    on = replace(config, signing="on")
    ready = create_app(on).test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["signing"]["ok"] is False
    roots = on.signing_dir / "roots"
    roots.mkdir(parents=True)
    (roots / "root.pem").write_bytes(b"-----BEGIN CERTIFICATE-----")
    signing = create_app(on).test_client().get("/readyz").json["checks"]["signing"]
    assert signing["ok"] and signing["detail"].startswith("bật: 1 chứng thư số gốc")


def test_readyz_reports_an_unreachable_broker(config: Config) -> None:
    broken = Config(
        var_dir=config.var_dir,
        database_url=config.database_url,
        broker_url="redis://127.0.0.1:1/0",
    )
    response = create_app(broken).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["broker"]["ok"] is False
    assert "Connection refused" in response.json["checks"]["broker"]["detail"]


def test_oversized_body_is_413(app: Flask, client: FlaskClient) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/api/v1/campaigns", data=b"x" * (limit + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json["message"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_dropped_postgres_connections_are_replaced(client: FlaskClient, database_url: str) -> None:
    assert client.get("/api/v1/campaigns").status_code == 200
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        dropped = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = ''"
            )
        ).scalar()
    admin.dispose()
    assert dropped and dropped >= 1
    assert client.get("/api/v1/campaigns").status_code == 200


def _late(db: Session, kind: JobKind, key: str, *, running: bool = False) -> Job:
    """A job due (or, running, its lease run out) a year ago: overdue by far more than a lease."""
    job = jobs.enqueue(db, kind, key)
    long_ago = utcnow() - timedelta(days=365)
    job.run_after = job.updated_at = job.created_at = long_ago
    if running:
        job.state, job.attempts, job.lease_until = JobState.RUNNING, 1, long_ago
    return job


def test_readyz_fails_when_a_job_is_overdue_by_more_than_a_lease(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context(), transaction() as db:
        assert jobs.overdue(db, app.config["VANTHU"].lease_seconds) == 0
    assert client.get("/readyz").json["checks"]["jobs"] == {"ok": True, "detail": "ok"}
    with app.app_context(), transaction() as db:
        _late(db, JobKind.RENDER, "render:late")
        _late(db, JobKind.ARCHIVE, "archive:late", running=True)  # its worker died long ago
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["jobs"]["ok"] is False
    assert ready.json["checks"]["jobs"]["detail"].startswith("RuntimeError: 2 việc quá hạn")


def test_a_backlog_being_worked_is_not_overdue(app: Flask) -> None:
    """A queue that claimed or finished work within the lease is slow, not stuck; a queue that
    did not is reported, whatever the others do."""
    lease = app.config["VANTHU"].lease_seconds
    with app.app_context(), transaction() as db:
        _late(db, JobKind.RENDER, "render:waiting")
        _late(db, JobKind.ISSUE, "issue:waiting")  # shares the render queue
        _late(db, JobKind.SEND, "send:stuck")
        busy = jobs.enqueue(db, JobKind.RENDER, "render:now")
        db.flush()
        assert jobs.claim(db, busy.id, lease)
    with app.app_context(), transaction() as db:
        assert jobs.overdue(db, lease) == 1  # the mail queue's; render is being worked


def test_administrators_see_a_banner_when_jobs_are_overdue(app: Flask, accounts: Accounts) -> None:
    admin, staff = app.test_client(), app.test_client()
    assert sign_in(admin, *accounts["admin"]).status_code == 303
    assert sign_in(staff, *accounts["staff"]).status_code == 303
    assert "data-overdue-banner" not in admin.get("/").get_data(as_text=True)
    with app.app_context(), transaction() as db:
        _late(db, JobKind.CONVERT, "convert:late")
        _late(db, JobKind.SEND, "send:late")
    shown = html.unescape(admin.get("/").get_data(as_text=True))
    lease = app.config["VANTHU"].lease_seconds
    assert f"Xử lý nền đang chậm hoặc không hoạt động: 2 việc quá hạn hơn {lease} giây" in shown
    assert "data-overdue-banner" not in staff.get("/").get_data(as_text=True)
