"""Issue 14's measurement: `vanthu demo` on PostgreSQL and a private Redis with real prefork
workers at the shipped lease and sweep, run undisturbed, then with worker pool children killed
(SIGKILL, the parent left alone) at random moments. Both must end the same way: every document
issued once with gapless numbers, every e-mail in the outbox, the case file built, nothing left
claiming to be under way. Printed: both run times, their ratio, and how long a killed job waited
until it was taken again (p95, max), read from the jobs table.

`python -m bench.chaos [--kills N] [--workers N] [--seed N]`.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.api import percentile
from bench.env import (
    POSTGRES_URL,
    Backend,
    BenchError,
    child_env,
    children,
    free_port,
    wait_jobs,
)
from service import processes, runner
from service.commands import archive as archive_commands
from service.config import Config
from service.database import session, transaction
from service.demo import drive_campaign, prepare_campaign
from service.mail.transport import OutboxTransport
from service.models import Dispatch, Document, DocumentFile, Job
from service.queries import consistency
from workflows.vocabulary import DispatchState, DocumentStatus, JobState

KILLS = 20
WORKERS = 1  # as `vanthu demo` starts them
TIMEOUT = 1800.0  # a hang guard only
POLL = 0.1  # how often a killed job is looked at: the resolution of "taken again"


@contextmanager
def private_redis(folder: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A Redis of our own without persistence, and a function that restarts it empty."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(folder)]
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
    import socket

    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


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
        result.setdefault(int(register_id or 0), []).append(int(number or 0))
    return result


def missing_files(campaign_id: int) -> list[str]:
    """Issued documents without their DOCX or PDF."""
    with transaction() as db:
        docs = db.scalars(
            select(Document).where(
                Document.campaign_id == campaign_id, Document.status == DocumentStatus.ISSUED
            )
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


def problems(config: Config, campaign_id: int) -> list[str]:
    """Everything the issue asks of a run that is not so (empty when all is well)."""
    found = [
        f"register {register}: numbers {sorted(values)}"
        for register, values in issued_numbers(campaign_id).items()
        if sorted(values) != list(range(1, len(values) + 1))
    ]
    found += [f"missing file: {name}" for name in missing_files(campaign_id)]
    outbox = OutboxTransport(config.outbox_dir)
    with transaction() as db:
        twice = db.execute(
            select(Document.kind, Document.subject_key)
            .where(Document.campaign_id == campaign_id, Document.number.is_not(None))
            .group_by(Document.kind, Document.subject_key)
            .having(func.count() > 1)
        ).all()
        found += [f"issued more than once: {kind} {subject}" for kind, subject in twice]
        mails = db.execute(
            select(Dispatch.message_id, Dispatch.state).where(Dispatch.campaign_id == campaign_id)
        ).all()
        found += ["no e-mail at all"] if not mails else []
        found += [
            f"e-mail {message_id} {state}, in the outbox: {outbox.path_for(message_id).exists()}"
            for message_id, state in mails
            if state != DispatchState.SENT or not outbox.path_for(message_id).exists()
        ]
        failed = db.scalar(
            select(func.count()).where(Job.campaign_id == campaign_id, Job.state == JobState.FAILED)
        )
        found += [f"{failed} jobs failed"] if failed else []
        found += consistency.problems(db)
    with tempfile.TemporaryDirectory(prefix="vanthu-chaos-") as folder:
        try:  # the newest finished case file, its bytes checked against its SHA-256
            archive_commands.export(campaign_id, Path(folder))
        except Exception as error:
            found.append(f"case file: {error}")
    return found


def pool_children(pid: int) -> list[int]:
    """The processes `pid` forked for its pool, from /proc: children with its own command line
    (not, say, the worker's LibreOffice server)."""
    found: list[int] = []
    command = _cmdline(pid)
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        with suppress(OSError):
            found += [int(child) for child in listing.read_text().split()]
    return [child for child in found if _cmdline(child) == command]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@dataclass
class Kill:
    """One SIGKILL of a pool child, and the job it held then (if any)."""

    at: float
    job_id: int | None = None
    attempt: int = 0
    retaken_s: float | None = None


def held_jobs(config: Config, holder: str) -> set[tuple[int, int]]:
    """(job, attempt) the worker `holder` holds, as its holdings and the jobs table agree."""
    held = {(h.job_id, h.attempt) for h in runner.Holdings.of(config.var_dir, holder).held()}
    if not held:
        return set()
    with transaction() as db:
        running = db.execute(
            select(Job.id, Job.attempts).where(
                Job.id.in_([job for job, _ in held]), Job.state == JobState.RUNNING
            )
        ).all()
    return {(job, attempt) for job, attempt in running} & held


@dataclass(frozen=True)
class Worker:
    """A worker process and the holder name its jobs are recorded under."""

    proc: subprocess.Popen[bytes]
    holder: str


@dataclass
class Killer:
    """Kills a random worker's pool child at the given moments and watches each killed job
    until it is claimed again (its attempt moves on) or ends."""

    config: Config
    workers: list[Worker]
    rng: random.Random
    kills: list[Kill] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def kill_one(self) -> None:
        while not self.stop.is_set():
            worker = self.rng.choice(self.workers)
            victims = pool_children(worker.proc.pid)
            if victims:
                break
            time.sleep(POLL)  # the pool is replacing a child killed a moment ago
        else:
            return
        before = held_jobs(self.config, worker.holder)
        with suppress(ProcessLookupError):
            os.kill(self.rng.choice(victims), signal.SIGKILL)
        kill = Kill(time.monotonic())
        # What it held when it died: its holding stays, as nobody dropped it.
        recorded = {(k.job_id, k.attempt) for k in self.kills}
        held = sorted((held_jobs(self.config, worker.holder) & before) - recorded)
        if held:
            kill.job_id, kill.attempt = held[-1]
        self.kills.append(kill)

    def watch(self) -> None:
        """Until stopped, and once more then (a job may have ended since the last look)."""
        while True:
            stopping = self.stop.wait(POLL)
            self._look()
            if stopping:
                session.remove()  # this thread's session
                return

    def _look(self) -> None:
        waiting = [k for k in self.kills if k.job_id is not None and k.retaken_s is None]
        if not waiting:
            return
        with transaction() as db:
            rows = {
                job_id: (state, attempts)
                for job_id, state, attempts in db.execute(
                    select(Job.id, Job.state, Job.attempts).where(
                        Job.id.in_([k.job_id for k in waiting])
                    )
                )
            }
        now = time.monotonic()
        for kill in waiting:
            if rows.get(kill.job_id or 0) != (JobState.RUNNING, kill.attempt):
                kill.retaken_s = round(now - kill.at, 1)


@dataclass
class Run:
    seconds: float
    kills: list[Kill]
    problems: list[str]


def demo_run(
    backend: Backend, name: str, kills: int, rng: random.Random, workers: int, horizon: float
) -> Run:
    """`vanthu demo` on a fresh schema and an empty broker, with `kills` pool children killed at
    random moments within `horizon` seconds of its start."""
    with backend.stage(name) as config, ExitStack() as stack:
        env, logs = child_env(config), config.var_dir / "logs"
        beat = {"beat": processes.beat_command(str(config.var_dir / "beat-schedule"))}
        stack.enter_context(children(beat, env, logs))
        started_workers = []
        for i in range(workers):
            holder = f"{name}{i}"
            command = {holder: processes.worker_command(name=holder)}
            group = stack.enter_context(children(command, {**env, runner.HOLDER_ENV: holder}, logs))
            group.wait_for_log([holder], " ready.")
            started_workers.append(Worker(group.procs[holder], holder))
        campaign_id = prepare_campaign()
        killer = Killer(config, started_workers, rng)
        watcher = threading.Thread(target=killer.watch, daemon=True)
        watcher.start()
        started = time.monotonic()
        driver = threading.Thread(target=drive_campaign, args=(campaign_id,))
        driver.start()
        try:
            for moment in sorted(rng.uniform(0, horizon) for _ in range(kills)):
                time.sleep(max(0.0, started + moment - time.monotonic()))
                killer.kill_one()
            driver.join()
            wait_jobs(campaign_id, None, TIMEOUT)
            seconds = round(time.monotonic() - started, 1)
        finally:
            killer.stop.set()
            watcher.join()
        return Run(seconds, killer.kills, problems(config, campaign_id))


def measure(
    backend: Backend, kills: int = KILLS, workers: int = WORKERS, seed: int = 14
) -> dict[str, Any]:
    """Both runs and their figures; BenchError when either one did not end as it must."""
    if not backend.postgres_url:
        return {"skipped": "needs PostgreSQL and Redis (prefork pool children to kill)"}
    rng = random.Random(seed)
    with (
        tempfile.TemporaryDirectory(prefix="vanthu-chaos-redis-") as folder,
        private_redis(Path(folder)) as (redis_url, _restart),
    ):
        own = Backend(backend.root, backend.postgres_url, redis_url)
        calm = demo_run(own, "calm", 0, rng, workers, 0.0)
        rough = demo_run(own, "killed", kills, rng, workers, calm.seconds)
    for run in (calm, rough):
        if run.problems:
            raise BenchError("; ".join(run.problems[:10]))
    waits = [k.retaken_s for k in rough.kills if k.retaken_s is not None]
    lost = [k.job_id for k in rough.kills if k.job_id is not None and k.retaken_s is None]
    if lost:
        raise BenchError(f"killed jobs never taken again: {lost}")
    config = Config()
    figures: dict[str, Any] = {
        "lease_s": config.lease_seconds,
        "sweep_s": config.sweep_seconds,
        "workers": workers,
        "kills": len(rough.kills),
        "kills_holding_a_job": len(waits),
        "undisturbed_s": calm.seconds,
        "disturbed_s": rough.seconds,
        "ratio_disturbed_to_undisturbed": round(rough.seconds / max(calm.seconds, 0.1), 2),
        "retaken_p95_s": percentile(waits, 0.95) if waits else None,
        "retaken_max_s": max(waits) if waits else None,
        "retaken_s": waits,
    }
    print(
        f"chaos: undisturbed {calm.seconds} s, with {len(rough.kills)} kills {rough.seconds} s "
        f"(x{figures['ratio_disturbed_to_undisturbed']}, target < 2); kill to job taken again "
        f"({len(waits)} kills held one) p95 {figures['retaken_p95_s']} s, max "
        f"{figures['retaken_max_s']} s (target p95 < 30 s)",
        flush=True,
    )
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--kills", type=int, default=KILLS)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vanthu-bench-") as root:
        backend = Backend(Path(root), POSTGRES_URL)
        figures = measure(backend, args.kills, args.workers, args.seed)
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
