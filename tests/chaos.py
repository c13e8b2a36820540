"""A campaign run under fire: real worker processes killed with SIGKILL, a Redis restarted."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from service import processes
from service.config import Config
from service.database import transaction
from service.demo import drive_campaign
from service.models import Document, DocumentFile, Job

SETTLE_DEADLINE = 600.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def private_redis(tmp_path: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A Redis of our own without persistence, and a function that restarts it empty."""
    port = free_port()
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _wait_for_port(port)
    state = {"proc": proc}

    def restart() -> None:
        state["proc"].kill()
        state["proc"].wait()
        state["proc"] = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _wait_for_port(port)

    try:
        yield f"redis://127.0.0.1:{port}/0", restart
    finally:
        state["proc"].kill()
        state["proc"].wait()


def _wait_for_port(port: int) -> None:
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@dataclass
class Workers:
    """Worker processes that can be killed (whole process group, SIGKILL) and replaced."""

    env: dict[str, str]
    count: int = 2
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    kills: int = 0

    def start(self) -> None:
        self.procs = [self._spawn(i) for i in range(self.count)]

    def _spawn(self, index: int) -> subprocess.Popen[bytes]:
        command = processes.worker_command(name=f"chaos{index}-{self.kills}")
        return subprocess.Popen(
            command,
            env={**os.environ, **self.env},
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill_one(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.procs))
        victim = self.procs[index]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        self.kills += 1
        self.procs[index] = self._spawn(index)

    def stop(self) -> None:
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def worker_env(config: Config, **extra: str) -> dict[str, str]:
    return {
        "VANTHU_VAR_DIR": str(config.var_dir),
        "VANTHU_DATABASE_URL": config.database_url,
        "VANTHU_BROKER_URL": config.broker_url,
        "VANTHU_SWEEP_SECONDS": "1",
        "VANTHU_LEASE_SECONDS": "10",
        **extra,
    }


def drive_in_background(campaign_id: int) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            drive_campaign(campaign_id)
        except BaseException as error:  # reported by the caller
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def settle(campaign_id: int, deadline: float = SETTLE_DEADLINE) -> dict[str, int]:
    """Wait until no job of the campaign is queued or running; the count of jobs per state."""
    end = time.monotonic() + deadline
    counts: dict[str, int] = {}
    while time.monotonic() < end:
        with transaction() as db:
            rows = db.execute(
                select(Job.state, func.count())
                .where(Job.campaign_id == campaign_id)
                .group_by(Job.state)
            ).all()
        counts = {state: n for state, n in rows}
        if counts and set(counts) <= {"done", "failed"}:
            return counts
        time.sleep(0.5)
    return counts


def issued_numbers(campaign_id: int) -> dict[int, list[int]]:
    """Numbers per register of the campaign's issued and superseded documents."""
    with transaction() as db:
        rows = db.execute(
            select(Document.register_id, Document.number).where(
                Document.campaign_id == campaign_id, Document.number.is_not(None)
            )
        ).all()
    result: dict[int, list[int]] = {}
    for register_id, number in rows:
        result.setdefault(register_id, []).append(number)
    return result


def missing_files(campaign_id: int) -> list[str]:
    """Issued documents without their DOCX or PDF."""
    with transaction() as db:
        docs = db.scalars(
            select(Document).where(Document.campaign_id == campaign_id, Document.status == "issued")
        ).all()
        have = {
            (row.document_id, row.format)
            for row in db.execute(
                select(DocumentFile.document_id, DocumentFile.format).where(
                    DocumentFile.document_id.in_([d.id for d in docs])
                )
            )
        }
        return [
            f"{d.reference} {fmt}"
            for d in docs
            for fmt in ("docx", "pdf")
            if (d.id, fmt) not in have
        ]
