"""A campaign run under fire: real worker processes killed with SIGKILL, a Redis restarted; at
the shipped lease and sweep (a killed job is taken again once its lease lapses)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select

from service import processes
from service.config import Config
from service.database import transaction
from service.demo import drive_campaign
from service.models import Job
from service.queries import consistency

SETTLE_DEADLINE = 600.0


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


def assert_consistent() -> None:
    """Issue 14's invariant, checked after every fault test: nothing says it is queued or under
    way without a live job behind it."""
    with transaction() as db:
        found = consistency.problems(db)
    assert found == [], found


def worker_env(config: Config, **extra: str) -> dict[str, str]:
    return {
        "VANTHU_VAR_DIR": str(config.var_dir),
        "VANTHU_DATABASE_URL": config.database_url,
        "VANTHU_BROKER_URL": config.broker_url,
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
