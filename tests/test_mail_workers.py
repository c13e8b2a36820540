"""Real Celery worker and beat processes over Redis, a real SMTP server, SQLite and PostgreSQL.

A worker killed with SIGKILL in the middle of a dispatch run loses no e-mail and duplicates none,
except the one message whose SMTP transaction the kill interrupted: that copy carries the same
Message-ID, so the receiver can drop it (we count distinct Message-IDs). Two beat processes
ticking at once still send each reminder once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import IO

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from service import runner
from service.app import create_app
from service.config import Config
from service.database import session, transaction
from service.models import Dispatch, Job
from tests import test_mail
from tests.conftest import REDIS_URL, need
from tests.test_mail import SmtpServer, announce, local_now, make_config
from workers import kinds as job_kinds
from workers import tasks

smtp = test_mail.smtp  # the same fixtures: a real SMTP server, documents without LibreOffice
no_libreoffice = test_mail.no_libreoffice

ROOT = Path(__file__).resolve().parents[1]
SWEEP_SECONDS = Config().sweep_seconds  # this process's sweeps, at the shipped period
# The beat processes': short on purpose, so that two beats' ticks often coincide (the reminder
# test is about two sweeps racing, not about how often one runs).
BEAT_SECONDS = 1.0
DEADLINE = 300.0  # a hang guard only: the assertions are about what arrived, never how fast

pytestmark = [pytest.mark.slow, pytest.mark.redis]


@pytest.fixture
def redis_url() -> str:
    need(bool(REDIS_URL), "VANTHU_TEST_REDIS_URL is not set")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        need(False, f"Redis is not reachable at {REDIS_URL}: {error}")
    client.flushdb()
    return REDIS_URL


@pytest.fixture
def worker_app(
    tmp_path: Path, database_url: str, smtp: SmtpServer, redis_url: str, no_libreoffice: None
) -> Iterator[Flask]:
    config = make_config(
        tmp_path,
        database_url,
        smtp.url,
        broker_url=redis_url,
    )
    app = create_app(config)
    with app.app_context():
        yield app
    session.remove()


class Processes:
    """Worker and beat processes, each in its own process group, killed whole."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.started = env, logs, 0
        self.running: list[subprocess.Popen[bytes]] = []
        self.files: list[IO[bytes]] = []

    def log_files(self) -> list[Path]:
        return sorted(self.logs.glob("process-*.log"))

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        self.started += 1
        log = (self.logs / f"process-{self.started}.log").open("wb")
        self.files.append(log)
        command = [sys.executable, "-m", "celery", "-A", "workers.celery_app", *args]
        proc = subprocess.Popen(
            command,
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(proc)
        return proc

    def worker(self, queues: str = "mail", concurrency: int = 1) -> subprocess.Popen[bytes]:
        return self._start(
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "-n",
            f"w{self.started}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        )

    def beat(self) -> subprocess.Popen[bytes]:
        schedule = self.logs / f"beat-{self.started}"
        return self._start("beat", "-s", str(schedule), "--loglevel", "INFO")

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self.running.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.running):
            self.kill(proc)
        for log in self.files:
            log.close()


@pytest.fixture
def processes(
    tmp_path: Path, database_url: str, smtp: SmtpServer, redis_url: str
) -> Iterator[Processes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANTHU_")}
    env.update(
        VANTHU_DATABASE_URL=database_url,
        VANTHU_BROKER_URL=redis_url,
        VANTHU_SMTP_URL=smtp.url,
        VANTHU_SWEEP_SECONDS=str(BEAT_SECONDS),
        VANTHU_VAR_DIR=str(tmp_path / "worker-var"),
        VANTHU_SOFFICE=str(tmp_path / "no-soffice"),
    )
    procs = Processes(env, tmp_path)
    yield procs
    procs.stop_all()


def wait_until(condition: Callable[[], bool], what: str, procs: Processes) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in procs.log_files())
            raise AssertionError(f"{what}: still waiting after {DEADLINE:.0f} s\n{logs}")
        time.sleep(0.05)


class Sweeper:
    """The beat's job done in this process: call the sweep every SWEEP_SECONDS."""

    def __init__(self, app: Flask) -> None:
        self.app, self.stop = app, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.app.app_context():
            while not self.stop.wait(SWEEP_SECONDS):
                tasks.sweep()
            session.remove()

    def __enter__(self) -> Sweeper:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()


def run_jobs_here(*kinds: str) -> None:
    """Render and convert in this process, so that the workers are left with the e-mails."""
    while True:
        with transaction() as db:
            job_id = db.scalar(
                select(Job.id).where(Job.state == "queued", Job.kind.in_(kinds)).order_by(Job.id)
            )
        if job_id is None:
            return
        runner.execute(job_id, job_kinds.KINDS, 300)


def all_dispatches() -> list[Dispatch]:
    with transaction() as db:
        return list(db.scalars(select(Dispatch).order_by(Dispatch.id)))


def all_sent() -> bool:
    rows = all_dispatches()
    return bool(rows) and all(d.state == "sent" for d in rows)


def test_sigkill_mid_dispatch_loses_no_email_and_duplicates_none(
    worker_app: Flask, smtp: SmtpServer, processes: Processes
) -> None:
    announce([])  # the plan and eleven notices with their invitations: 78 e-mails
    run_jobs_here("render", "convert")
    expected = {d.message_id: d.address for d in all_dispatches()}
    assert len(expected) == 78 and {d.state for d in all_dispatches()} == {"queued"}

    smtp.delay = 0.05  # most of a worker's time is spent inside an SMTP transaction
    kills = 0
    with Sweeper(worker_app):
        for threshold in (12, 30, 50):
            worker = processes.worker()
            wait_until(lambda t=threshold: len(smtp.snapshot()) >= t, "e-mails arriving", processes)
            processes.kill(worker)
            kills += 1
        processes.worker()
        wait_until(all_sent, "every dispatch sent", processes)

    received = smtp.snapshot()
    copies = Counter(r.message_id for r in received)
    assert set(copies) == set(expected)  # nothing lost
    for item in received:  # every copy went to the dispatch's own address
        assert item.recipients == [expected[item.message_id]]
    duplicated = {mid: n for mid, n in copies.items() if n > 1}
    assert len(duplicated) <= kills and all(n == 2 for n in duplicated.values())
    rows = all_dispatches()
    assert all(d.state == "sent" and d.sent_at and not d.last_error for d in rows)
    assert all(d.attempts >= 2 for d in rows if d.message_id in duplicated)
    print(
        f"\n{len(expected)} dispatches, {len(received)} messages received, "
        f"{len(copies)} distinct Message-IDs, {kills} SIGKILLs, "
        f"{len(duplicated)} Message-IDs received twice (kill inside an SMTP transaction)"
    )


def test_two_beats_send_each_reminder_once(
    worker_app: Flask, smtp: SmtpServer, processes: Processes
) -> None:
    soon = local_now() + timedelta(days=1)
    announce([soon, soon + timedelta(hours=4)])
    run_jobs_here("render", "convert")
    # Both beats ring the sweep on its own queue; two worker slots run the sweeps side by side.
    processes.worker(queues="mail,sweep", concurrency=2)
    processes.beat()
    processes.beat()

    def reminders_done() -> bool:
        rows = all_dispatches()
        reminders = [d for d in rows if d.purpose == "reminder"]
        notices_for_soon = {d.document_id for d in reminders}
        return (
            all(d.state == "sent" for d in rows)
            and len(notices_for_soon) == 2
            and len(reminders) == 8
        )

    wait_until(reminders_done, "reminders of the two visits due sent", processes)
    time.sleep(5 * BEAT_SECONDS)  # more ticks of both beats: nothing more may go out
    rows = all_dispatches()
    assert all(d.state == "sent" for d in rows)
    reminders = [d for d in rows if d.purpose == "reminder"]
    assert len(reminders) == 8
    received = smtp.snapshot()
    reminder_ids = {d.message_id for d in reminders}
    got = Counter(r.message_id for r in received if r.message_id in reminder_ids)
    assert got == Counter(dict.fromkeys(reminder_ids, 1))
    assert Counter(r.message_id for r in received) == Counter(
        dict.fromkeys((d.message_id for d in rows), 1)
    )
