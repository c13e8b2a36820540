"""Real Celery worker processes over the embedded broker and over Redis."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from service import jobs, migrate, processes
from service.app import create_app
from service.commands import documents
from service.config import Config
from service.database import session, transaction
from service.models import Document, Job
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM, api_client
from tests.conftest import REDIS_URL, need

pytestmark = pytest.mark.slow
DEADLINE = 180.0


def _redis_ok() -> bool:
    if not REDIS_URL:
        return False
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def setup(tmp_path: Path, database_url: str) -> Config:
    """The two ways to run: embedded broker with SQLite, Redis with PostgreSQL."""
    broker = "filesystem://"
    if not database_url.startswith("sqlite"):
        need(_redis_ok(), f"Redis not reachable at {REDIS_URL or '(VANTHU_TEST_REDIS_URL unset)'}")
        redis.Redis.from_url(REDIS_URL).flushdb()
        broker = REDIS_URL
    return Config(var_dir=tmp_path / "var", database_url=database_url, broker_url=broker)


def worker_env(config: Config, **extra: str) -> dict[str, str]:
    return {
        "VANTHU_VAR_DIR": str(config.var_dir),
        "VANTHU_DATABASE_URL": config.database_url,
        "VANTHU_BROKER_URL": config.broker_url,
        **extra,
    }


@pytest.fixture
def worker(setup: Config) -> Iterator[subprocess.Popen[bytes]]:
    with processes.children(processes.worker_command(), env=worker_env(setup)) as group:
        yield group.procs[0]


def wait_until_settled(campaign_id: int) -> list[Job]:
    """Poll until no job of the campaign is queued or running (or the deadline passes)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        with transaction() as db:
            rows = list(db.scalars(select(Job).where(Job.campaign_id == campaign_id)))
        if rows and all(j.state in ("done", "failed") for j in rows):
            return rows
        time.sleep(0.3)
    return rows


def test_documents_rendered_by_a_real_worker(setup: Config, worker: object) -> None:
    app = create_app(setup)
    client = api_client(app)
    with app.app_context(), transaction() as db:
        campaign_id = load_demo(db).id
    draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}).json
    issued = client.post(f"/api/v1/documents/{draft['id']}/issue", json={}).json
    assert issued["reference"] == "01/KH-SLĐTBXH"
    rows = wait_until_settled(campaign_id)
    assert {j.kind for j in rows} >= {"render", "convert"}
    assert [j for j in rows if j.state != "done"] == []
    progress = client.get(f"/api/v1/jobs?campaign_id={campaign_id}").json
    assert progress["meta"]["total"] == len(rows)
    assert all(j["state"] == "done" and j["attempts"] >= 1 for j in progress["items"])
    formats = {f["format"] for f in client.get(f"/api/v1/documents/{issued['id']}").json["files"]}
    assert "docx" in formats
    session.remove()


def test_a_lost_message_is_recovered_by_the_sweep(setup: Config, tmp_path: Path) -> None:
    """No doorbell at all: only beat's sweep tells the worker, and the work still gets done."""
    app = create_app(setup)
    jobs.set_doorbell(None)
    with app.app_context(), transaction() as db:
        campaign = load_demo(db)
        doc = documents.draft(db, SYSTEM, campaign.id, "KH")
        campaign_id, doc_id = campaign.id, doc.id
    env = worker_env(setup)
    commands = (
        processes.worker_command(),
        processes.beat_command(str(tmp_path / "beat-schedule")),
    )
    with processes.children(*commands, env=env):
        rows = wait_until_settled(campaign_id)
    assert rows and all(j.state == "done" for j in rows)
    with transaction() as db:
        assert db.get(Document, doc_id) is not None
        assert {f.format for f in db.get(Document, doc_id).files} >= {"docx"}  # type: ignore[union-attr]
    session.remove()


def test_an_expired_lease_is_taken_over(setup: Config, tmp_path: Path) -> None:
    """A job claimed by a worker that died (lease expired) is run again by another worker. The
    claim's one-second lease is the dead worker's; the workers and the sweep run at the defaults."""
    app = create_app(setup)
    jobs.set_doorbell(None)
    with app.app_context(), transaction() as db:
        campaign = load_demo(db)
        documents.draft(db, SYSTEM, campaign.id, "KH")
        campaign_id = campaign.id
    with transaction() as db:
        job_id = db.scalar(select(Job.id).where(Job.campaign_id == campaign_id))
        assert job_id is not None and jobs.claim(db, job_id, lease_seconds=1)
    time.sleep(1.5)
    env = worker_env(setup)
    commands = (
        processes.worker_command(),
        processes.beat_command(str(tmp_path / "beat-schedule")),
    )
    with processes.children(*commands, env=env):
        rows = wait_until_settled(campaign_id)
    first = next(j for j in rows if j.id == job_id)
    assert first.state == "done" and first.attempts == 2
    session.remove()


def test_migrations_reach_the_models(database_url: str) -> None:
    """The Alembic head matches the models exactly (no change left un-migrated)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from service.database import Base, make_engine

    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
    assert os.path.isdir(migrate.MIGRATIONS)
