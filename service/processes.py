"""Start the worker, beat and web processes as children (for `vanthu run` and `vanthu demo`),
restart one that dies, and stop them so that no job is left stranded under its lease."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from service.runner import HOLDER_ENV

log = logging.getLogger(__name__)

ALL_QUEUES = "render,convert,mail,archive,sweep"
STOP_GRACE = 20.0  # seconds a child has after TERM (a worker to finish its job) before KILL
MAX_BACKOFF = 60.0  # the longest wait before starting a child that keeps dying
STEADY = 60.0  # a child that ran this long before it died is restarted at once


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "workers.celery_app", *args]


def worker_command(
    queues: str = ALL_QUEUES, concurrency: int | None = None, name: str = "w1"
) -> list[str]:
    """A worker on `queues`; without `concurrency`, as many at once as the broker's settings
    size it for (`service.broker`: threads per core on the embedded default, else one), and on
    the convert queue at least one per warm LibreOffice (`VANTHU_PDF_INSTANCES`, default one
    per core; `workers.celery_app`), so the queue spreads documents across them."""
    threads = ("-c", str(concurrency)) if concurrency is not None else ()
    return celery_command(
        "worker",
        "-Q",
        queues,
        *threads,
        "-n",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "INFO",
    )


def beat_command(schedule_file: str) -> list[str]:
    return celery_command("beat", "-s", schedule_file, "--loglevel", "INFO")


def web_command(host: str, port: int, workers: int = 2) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "-b",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "service.wsgi:app",
    ]


def handback_command(holder: str, how: str) -> list[str]:
    return [sys.executable, "-m", "workers.handback", holder, how]


def is_worker(command: list[str]) -> bool:
    prefix = celery_command("worker")
    return command[: len(prefix)] == prefix


@dataclass
class Child:
    """One supervised process, leading its own process group. A worker is named (HOLDER_ENV)
    so that the jobs it held when it stopped or died can be handed back at once."""

    command: list[str]
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    holder: str = ""
    started: float = 0.0
    failures: int = 0
    restart_at: float | None = None

    def start(self) -> None:
        self.holder = uuid.uuid4().hex if is_worker(self.command) else ""
        env = {**os.environ, **self.env, **({HOLDER_ENV: self.holder} if self.holder else {})}
        self.proc = subprocess.Popen(self.command, env=env, start_new_session=True)
        self.started, self.restart_at = time.monotonic(), None

    @property
    def running(self) -> subprocess.Popen[bytes]:
        assert self.proc is not None, "start() first"
        return self.proc

    def revive(self) -> None:
        """If it died: hand back its jobs, then start it again, sooner the longer it had run."""
        if self.running.poll() is None:
            return
        now = time.monotonic()
        if self.restart_at is None:
            self.failures = 0 if now - self.started >= STEADY else self.failures + 1
            delay = min(MAX_BACKOFF, 2.0 ** (self.failures - 1)) if self.failures else 0.0
            log.warning(
                "%s exited with %s; restarting in %.0f s",
                " ".join(self.command[2:4]),
                self.running.returncode,
                delay,
            )
            self.hand_back("died")
            self.restart_at = now + delay
        if now >= self.restart_at:
            self.start()

    def stop(self, deadline: float) -> None:
        """Wait until `deadline` for it to stop on the TERM already sent, then kill its group."""
        with suppress(subprocess.TimeoutExpired):
            self.running.wait(timeout=max(0.0, deadline - time.monotonic()))
        _kill_group(self.running)  # the rest of its group too (e.g. prefork children)
        self.running.wait()
        self.hand_back("stopped")

    def hand_back(self, how: str) -> None:
        """Requeue at once what the (reaped) worker still held, not after its lease."""
        if not self.holder:
            return
        command = handback_command(self.holder, how)
        try:
            subprocess.run(command, env={**os.environ, **self.env}, check=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as error:  # the lease still bounds it
            log.warning("could not hand back the jobs of %s: %s", self.holder, error)


@dataclass
class Group:
    """Children started together, revived when one dies, stopped together."""

    children: list[Child] = field(default_factory=list)

    @property
    def procs(self) -> list[subprocess.Popen[bytes]]:
        return [child.running for child in self.children]

    def revive(self) -> None:
        for child in self.children:
            child.revive()

    def stop(self) -> None:
        """TERM each main process only (a worker's warm shutdown lets the job finish; TERM to
        its group would kill its pool's job at once), then KILL what did not stop in time."""
        started = [child for child in self.children if child.proc is not None]
        for child in started:
            if child.running.poll() is None:
                child.running.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for child in started:
            child.stop(deadline)


@contextmanager
def children(*commands: list[str], env: dict[str, str] | None = None) -> Iterator[Group]:
    """Run `commands` as process groups, and stop them all (TERM, then KILL) on exit; call
    `revive()` on what it yields to restart those that died."""
    group = Group([Child(command, env or {}) for command in commands])
    try:
        for child in group.children:
            child.start()
        yield group
    finally:
        group.stop()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
