"""Operator checks, oversized requests, and a PostgreSQL that drops its connections."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from service.app import create_app
from service.config import Config
from tests.conftest import POSTGRES_URL


def test_healthz_and_readyz(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert set(ready.json["checks"]) == {"database", "broker", "worker", "libreoffice", "smtp"}
    assert ready.json["checks"]["database"]["ok"] is True


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
