"""The embedded default (filesystem broker, SQLite) under the faults production survives: a pool
process killed by the OOM killer, a full disk, damaged broker messages, `vanthu run` stopped with
TERM mid-job (issue 12, items 2, 3 and 14). All at the shipped lease and sweep; after each test
that ran jobs, nothing is left claiming to be under way (issue 14's invariant)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from kombu.exceptions import ChannelError
from sqlalchemy import select
from werkzeug.test import TestResponse

from service import health, jobs, migrate, processes, runner
from service.app import create_app
from service.broker import broker_settings
from service.config import Config
from service.database import session, transaction
from service.models import ArchiveBuild, Job
from service.seed.load import load_demo
from tests.auth_helper import api_client
from tests.chaos import assert_consistent
from tests.conftest import need
from tests.test_worker import worker_env
from workflows.vocabulary import ArchiveState, JobKind, JobState

DEADLINE = 240.0  # a hang guard only


@pytest.fixture
def embedded(tmp_path: Path) -> Config:
    """The embedded default as `vanthu run` sets it up: SQLite and the broker under var/."""
    config = Config(
        var_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'var' / 'vanthu.sqlite'}",
        broker_url="filesystem://",
    )
    config.var_dir.mkdir(parents=True)
    migrate.upgrade(config.database_url)
    return config


def _channel(config: Config) -> Connection:
    settings = broker_settings(config)
    return Connection(
        settings["broker_url"],
        transport=settings["broker_transport"],
        transport_options=settings["broker_transport_options"],
    )


@pytest.fixture
def small_disk(embedded: Config) -> Iterator[Path]:
    """The broker folder on a 256 KiB tmpfs of its own, so it can really fill up."""
    folder = embedded.var_dir / "broker"
    folder.mkdir(parents=True, exist_ok=True)
    mounted = os.geteuid() == 0 and (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)]).returncode
        == 0
    )
    need(mounted, "mounting a small tmpfs needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with pytest.raises(OSError), filler.open("wb", buffering=0) as out:
        while True:
            out.write(b"\0" * 4096)
            out.flush()
    return filler


def test_a_full_disk_leaves_no_broker_message(embedded: Config, small_disk: Path) -> None:
    """Finding 3: a message either is written whole or not at all (never an empty `.msg`)."""
    with _channel(embedded) as connection:
        queue = connection.SimpleQueue("render")
        filler = _fill(small_disk)
        with pytest.raises(ChannelError):
            queue.put({"job": 1})
        assert [p.name for p in small_disk.iterdir() if p.is_file() and p != filler] == []
        filler.unlink()  # space freed: nothing to repair, the broker simply works
        queue.put({"job": 2})
        assert queue.get(timeout=5).payload == {"job": 2}
        queue.close()


def test_messages_come_out_in_the_order_they_were_put(
    embedded: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock's digit count grows (9.999 s to 10.000 s): the older message still comes first."""
    clock = iter([9.999, 10.0])
    monkeypatch.setattr("service.embedded_broker.monotonic", lambda: next(clock))
    with _channel(embedded) as connection:
        queue = connection.SimpleQueue("render")
        queue.put({"job": 1})
        queue.put({"job": 2})
        assert [queue.get(timeout=5).payload for _ in range(2)] == [{"job": 1}, {"job": 2}]
        queue.close()


def test_an_unreadable_message_is_set_aside(embedded: Config) -> None:
    """Finding 3: an empty or garbled message is quarantined, and the next one is delivered."""
    with _channel(embedded) as connection:
        queue = connection.SimpleQueue("render")
        folder = embedded.var_dir / "broker"
        # Named as the broker names them, older than any message put now: read first.
        (folder / f"{0:015d}_empty.render.msg").write_bytes(b"")
        (folder / f"{1:015d}_garbled.render.msg").write_bytes(b'{"body": ')
        queue.put({"job": 3})
        assert queue.get(timeout=5).payload == {"job": 3}
        queue.close()
    quarantined = sorted(p.name for p in (folder / "quarantine").iterdir())
    assert quarantined == [f"{0:015d}_empty.render.msg", f"{1:015d}_garbled.render.msg"]


def _json(response: TestResponse) -> Any:
    return response.json


def _campaign_with_jobs(config: Config) -> int:
    """The demo campaign with its plan issued: render and convert jobs to do."""
    app = create_app(config)
    client = api_client(app)
    with app.app_context(), transaction() as db:
        campaign_id = load_demo(db).id
    draft = _json(client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}))
    assert client.post(f"/api/v1/documents/{draft['id']}/issue", json={}).status_code == 200
    return campaign_id


def _jobs(campaign_id: int) -> list[Job]:
    with transaction() as db:
        return list(db.scalars(select(Job).where(Job.campaign_id == campaign_id)))


def _wait(campaign_id: int, group: processes.Group, done: bool) -> list[Job]:
    """Until a job runs (done=False) or all are finished (done=True), reviving dead children."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        group.revive()
        rows = _jobs(campaign_id)
        if done and rows and all(j.state in (JobState.DONE, JobState.FAILED) for j in rows):
            return rows
        if not done and any(j.state == JobState.RUNNING for j in rows):
            return rows
        time.sleep(0.05)
    return rows


def test_a_killed_embedded_worker_loses_no_job(embedded: Config) -> None:
    """Finding 2 (and 3): SIGKILL the process doing a job, as the OOM killer does, with garbage
    left in the broker folder: the supervisor of `vanthu run` restarts the worker, hands the
    killed job back at once (queued again before any lease lapsed, saying why), and every job
    completes."""
    campaign_id = _campaign_with_jobs(embedded)
    (embedded.var_dir / "broker" / "0_empty.render.msg").write_bytes(b"")
    with processes.children(processes.worker_command(), env=worker_env(embedded)) as group:
        rows = _wait(campaign_id, group, done=False)
        running = [j.id for j in rows if j.state == JobState.RUNNING]
        assert running, [(j.kind, j.state) for j in rows]
        os.killpg(group.procs[0].pid, signal.SIGKILL)  # the worker and any child of its
        group.procs[0].wait()
        group.revive()  # hands back what it held, then restarts it (after a short back-off)
        after = _jobs(campaign_id)  # the worker is not back yet: nothing can be running
        assert [j.id for j in after if j.state == JobState.RUNNING] == []
        handed = [j for j in after if j.id in running and j.state != JobState.DONE]
        assert all(
            j.state == JobState.QUEUED and j.last_error == runner.REASONS["died"] for j in handed
        )
        rows = _wait(campaign_id, group, done=True)
    assert [(j.kind, j.state) for j in rows if j.state != JobState.DONE] == []
    assert all(j.state == JobState.DONE for j in rows if j.id in running)
    assert_consistent()
    session.remove()


def test_term_mid_job_leaves_nothing_running(embedded: Config) -> None:
    """Finding 14: stopping `vanthu run` with TERM mid-job lets the job finish or hands it back;
    no job (and no case-file build) is left "running" under its lease."""
    campaign_id = _campaign_with_jobs(embedded)
    with processes.children(processes.worker_command(), env=worker_env(embedded)) as group:
        _wait(campaign_id, group, done=False)
    states = {j.state for j in _jobs(campaign_id)}
    assert JobState.RUNNING not in states, states
    assert_consistent()
    session.remove()


def test_a_stopped_workers_job_is_handed_back(config: Config, tmp_path: Path) -> None:
    """Finding 14: what a stopped worker held is due again at once, its attempt given back, and
    its case-file build is no longer shown as building (both databases)."""
    create_app(config)
    with transaction() as db:
        campaign_id = load_demo(db).id
        build = ArchiveBuild(campaign_id=campaign_id, state=ArchiveState.RUNNING, progress=7)
        db.add(build)
        db.flush()
        job = jobs.enqueue(
            db, JobKind.ARCHIVE, f"archive:{build.id}", payload={"build_id": build.id}
        )
        job_id, build_id = job.id, build.id
    with transaction() as db:
        assert jobs.claim(db, job_id, config.lease_seconds)
    holdings = runner.Holdings.of(config.var_dir, "w-test")
    holdings.hold(job_id, 1)
    result = subprocess.run(
        processes.handback_command("w-test", "stopped"),
        env={**os.environ, **worker_env(config)},
        check=True,
    )
    assert result.returncode == 0
    with transaction() as db:
        handed = db.get(Job, job_id)
        shown = db.get(ArchiveBuild, build_id)
        assert handed is not None and shown is not None
        assert (handed.state, handed.attempts, handed.lease_until) == (JobState.QUEUED, 0, None)
        assert handed.last_error == runner.REASONS["stopped"]
        assert (shown.state, shown.progress) == (ArchiveState.QUEUED, 0)
    assert holdings.held() == []
    assert_consistent()
    session.remove()


def test_readyz_tells_whether_a_worker_is_alive(embedded: Config) -> None:
    """Finding 2: `/readyz` fails with no worker heard from, and with jobs overdue."""
    client = create_app(embedded).test_client()
    silent = client.get("/readyz")
    assert silent.status_code == 503 and _json(silent)["checks"]["worker"]["ok"] is False
    health.beat(embedded, "w1@host")
    assert _json(client.get("/readyz"))["checks"]["worker"]["ok"] is True
    with transaction() as db:
        job = jobs.enqueue(db, JobKind.RENDER, "render:overdue")
        stale = job.created_at.replace(year=job.created_at.year - 1)
        job.run_after = job.updated_at = stale
    overdue = _json(client.get("/readyz"))["checks"]["worker"]
    assert overdue["ok"] is False and "1 việc" in overdue["detail"]
    session.remove()
