"""Start the worker, beat and web processes as children (for `vanthu run` and `vanthu demo`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

ALL_QUEUES = "render,convert,mail,archive,sweep"


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "workers.celery_app", *args]


def worker_command(queues: str = ALL_QUEUES, concurrency: int = 1, name: str = "w1") -> list[str]:
    return celery_command(
        "worker",
        "-Q",
        queues,
        "-c",
        str(concurrency),
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


@contextmanager
def children(
    *commands: list[str], env: dict[str, str] | None = None
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Run `commands` as process groups, and stop them all (TERM, then KILL) on exit."""
    procs = [
        subprocess.Popen(cmd, env={**os.environ, **(env or {})}, start_new_session=True)
        for cmd in commands
    ]
    try:
        yield procs
    finally:
        for proc in procs:
            _signal(proc, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal(proc, signal.SIGKILL)
                proc.wait()


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
