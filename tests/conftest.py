"""Small fixtures: a database per test (SQLite, and PostgreSQL when configured), app, client."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from service import migrate
from service.app import create_app
from service.auth import passwords
from service.config import Config
from service.database import init_engine, session
from service.documents.render import forget_prepared
from tests.auth_helper import api_client

POSTGRES_URL = os.environ.get("VANTHU_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("VANTHU_TEST_REDIS_URL", "")
REQUIRE_SERVICES = os.environ.get("VANTHU_REQUIRE_SERVICES") == "1"


def need(available: bool, reason: str) -> None:
    """Skip when a service is missing on a laptop; fail in CI, where it must be there."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `sqlite_only` run once, on SQLite: their PostgreSQL twin is deselected."""
    twins = [
        item
        for item in items
        if item.get_closest_marker("sqlite_only")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database_url") == "postgres"
    ]
    if twins:
        config.hook.pytest_deselected(items=twins)
        items[:] = [item for item in items if item not in twins]


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Nearly every test makes accounts: their passwords get werkzeug's scrypt at a work factor
    of 1024 instead of 32768 (the same format, checked by the shipped code), 30 times faster."""
    with pytest.MonkeyPatch.context() as patch:
        cheap = partial(generate_password_hash, method="scrypt:1024:8:1")
        patch.setattr(passwords, "generate_password_hash", cheap)
        yield


@pytest.fixture(autouse=True)
def first_render() -> None:
    """No test renders from templates another test prepared (see `render.forget_prepared`)."""
    forget_prepared()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head, copied for each test instead of migrating each anew."""
    template = tmp_path_factory.mktemp("template") / "migrated.sqlite"
    migrate.upgrade(f"sqlite:///{template}")
    assert not template.with_name(f"{template.name}-wal").exists(), "template not checkpointed"
    return template


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    need(bool(POSTGRES_URL), "VANTHU_TEST_POSTGRES_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, pool_pre_ping=True)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    migrate.upgrade(url)
    yield url
    session.remove()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return Config(var_dir=tmp_path / "var", database_url=database_url, broker_url="memory://")


@pytest.fixture
def app(config: Config):  # type: ignore[no-untyped-def]
    application = create_app(config)
    application.config["TESTING"] = True
    yield application
    session.remove()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """A client that calls the API as an administrator (the UI ignores the bearer token)."""
    return api_client(app)


@pytest.fixture
def anonymous(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def db(config: Config) -> Iterator[Session]:
    """A session on the test database, for tests of commands without Flask."""
    init_engine(config.database_url)
    yield session()
    session.remove()
