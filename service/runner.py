"""Run one job: claim it, keep its lease alive, do its work, record the outcome. The runner and
the sweep alone decide that a job is done, retried, waiting or given up; the broker plays no part
in safety."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy.orm import Session

from service import jobs
from service.database import transaction
from service.models import Job
from service.timeutil import utcnow
from workflows.vocabulary import JobState

log = logging.getLogger(__name__)

Handler = Callable[[Job], None]
# Run in the transaction that records a job's end or retry, to mark what the job was for.
Hook = Callable[[Session, Job], None]


class PermanentError(Exception):
    """A failure that retrying cannot fix (e.g. an SMTP 5xx): the job fails at once."""


class NotYet(Exception):
    """The job waits for other work (e.g. a case file for its PDFs): it runs again in `delay`
    seconds, without using an attempt or growing its backoff, for up to `WAIT_LIMIT`."""

    def __init__(self, reason: str, delay: float = 5.0) -> None:
        super().__init__(reason)
        self.delay = delay


# How long a job may keep waiting for other work before the wait counts as a failure.
WAIT_LIMIT = timedelta(hours=1)
# A handler that runs longer than this stops being kept alive: its lease lapses and the job is
# taken again (a hung handler must not hold its job for ever).
HEARTBEAT_LIMIT = 1800.0


@dataclass(frozen=True)
class Kind:
    """What a worker does with one kind of job, and what each way it ends leaves behind. Its
    queue, attempts and label are the kind's own (`JobKind`); the table is `workers.kinds`."""

    run: Handler
    given_up: Hook | None = None  # over without success: failed for good, or out of attempts
    retrying: Hook | None = None  # an attempt failed and another is due (job.last_error says why)
    handed_back: Hook | None = None  # its worker stopped or died mid-run; due again now


Kinds = Mapping[str, Kind]


class Outcome(StrEnum):
    """What one run of a job came to (for logs and tests; the job row holds the state)."""

    SKIPPED = "skipped"  # not due, or someone else holds the lease
    DONE = "done"
    RETRY = "retry"
    WAITING = "waiting"  # waits for other work, attempt not counted
    FAILED = "failed"


# Names the worker process to the supervisor that started it (`service.processes`).
HOLDER_ENV = "VANTHU_HOLDER"


# What a job handed back says about why it runs again.
REASONS = {
    "stopped": "Tiến trình xử lý nền dừng khi việc chưa xong; việc được xếp hàng chạy lại",
    "died": "Tiến trình xử lý nền bị dừng đột ngột; việc được xếp hàng chạy lại",
}


@dataclass(frozen=True)
class Holding:
    """Attempt `attempt` of job `job_id`, held by process `pid` on host `host`."""

    job_id: int
    attempt: int
    pid: int
    host: str

    @property
    def orphaned(self) -> bool:
        """Its process is gone (or a zombie): only knowable on the same host."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        with suppress(OSError):
            stat = Path(f"/proc/{self.pid}/stat").read_text()
            return stat.rpartition(")")[2].split()[0] == "Z"
        return False


class Holdings:
    """The jobs one worker (and its pool processes) holds, as empty files
    `<holder>-<job>-<attempt>-<pid>@<host>` (empty, so even a full disk takes them): whoever sees
    a process stop or die hands its jobs back at once instead of leaving them to their lease —
    the supervisor when the worker dies (`hand_back`), a pool process given a dead sibling's
    redelivered job (`execute`)."""

    def __init__(self, folder: Path, holder: str) -> None:
        self.folder = folder
        self.holder = holder

    @classmethod
    def of(cls, var_dir: Path, holder: str) -> Holdings:
        return cls(var_dir / "leases", holder)

    @classmethod
    def from_env(cls, var_dir: Path) -> Holdings | None:
        """This process's holdings, if a supervisor named it."""
        holder = os.environ.get(HOLDER_ENV)
        return cls.of(var_dir, holder) if holder else None

    def _path(self, held: Holding) -> Path:
        return self.folder / f"{self.holder}-{held.job_id}-{held.attempt}-{held.pid}@{held.host}"

    def hold(self, job_id: int, attempt: int) -> Holding:
        held = Holding(job_id, attempt, os.getpid(), socket.gethostname())
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._path(held).touch()
        except OSError as error:  # the lease still bounds how long the job can be stuck
            log.warning("could not record holding job %s: %s", job_id, error)
        return held

    def drop(self, held: Holding) -> None:
        with suppress(OSError):
            self._path(held).unlink(missing_ok=True)

    def held(self, job_id: int | None = None) -> list[Holding]:
        """Every holding recorded (of job `job_id` only, if given)."""
        found = []
        pattern = f"{self.holder}-{job_id}-*" if job_id is not None else f"{self.holder}-*"
        for path in self.folder.glob(pattern):
            job, _, rest = path.name.removeprefix(f"{self.holder}-").partition("-")
            attempt, _, owner = rest.partition("-")
            pid, _, host = owner.partition("@")
            if job.isdigit() and attempt.isdigit() and pid.isdigit():
                found.append(Holding(int(job), int(attempt), int(pid), host))
        return found

    @classmethod
    def every(cls, var_dir: Path) -> list[Holdings]:
        """The holdings of every worker that shares this var dir (holders are names without
        a dash, so a file's holder is what comes before its first one)."""
        folder = var_dir / "leases"
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return []
        return [cls(folder, holder) for holder in sorted({n.partition("-")[0] for n in names})]


def hand_back_orphans(var_dir: Path, kinds: Kinds) -> list[int]:
    """Hand back every job held by a dead process of this host, whatever worker it belonged to:
    a pool child killed while its worker lives on is found at the next sweep, seconds after,
    rather than when its lease runs out."""
    return [
        job_id
        for holdings in Holdings.every(var_dir)
        for job_id in hand_back(
            holdings, kinds, refund=False, reason=REASONS["died"], orphans_only=True
        )
    ]


def hand_back(
    holdings: Holdings, kinds: Kinds, *, refund: bool, reason: str, orphans_only: bool = False
) -> list[int]:
    """Put back in the queue, and ring for, every job a stopped or dead process still held
    (`orphans_only`: only those whose process is gone; the others are still at work)."""
    handed = []
    for held in holdings.held():
        if orphans_only and not held.orphaned:
            continue
        with transaction() as db:
            job = release(db, kinds, held.job_id, held.attempt, refund=refund, reason=reason)
            kind = job.kind if job is not None and job.state == JobState.QUEUED else None
        if kind is not None:
            jobs.ring(held.job_id, kind, urgent=True)
            handed.append(held.job_id)
        holdings.drop(held)
    return handed


def release(
    db: Session, kinds: Kinds, job_id: int, attempt: int, *, refund: bool, reason: str
) -> Job | None:
    """Hand back attempt `attempt` of a job whose worker stopped or died: due again at once
    instead of when the lease runs out. `refund` gives the attempt back (a stop, not the job's
    fault); a crash keeps it counted, so a job that kills its worker each time still ends.
    Returns the job if it was handed back (or given up), None if it is no longer that attempt's."""
    job = db.get(Job, job_id)
    if job is None or job.state != JobState.RUNNING or job.attempts != attempt:
        return None
    if refund:
        job.attempts -= 1
    if job.attempts >= job.max_attempts:
        job.last_error = reason[:4000]
        give_up(db, kinds, job)
        return job
    jobs.requeue(job, 0.0, reason)
    _call(kinds[job.kind].handed_back, db, job)
    return job


def give_up(db: Session, kinds: Kinds, job: Job) -> None:
    """The job is over without success; what it was for says so, in the same transaction."""
    job.state = JobState.FAILED
    job.lease_until = None
    job.finished_at = utcnow()
    _call(kinds[job.kind].given_up, db, job)


def sweep(db: Session, kinds: Kinds, grace_seconds: float) -> list[tuple[int, str]]:
    """Give up the jobs whose last attempt's worker died; return those to ring again
    (`jobs.lost` says which)."""
    exhausted, due = jobs.lost(db, grace_seconds)
    for job in exhausted:
        job.last_error = job.last_error or "Hết số lần thử (tiến trình xử lý bị dừng)"
        give_up(db, kinds, job)
    return due


def _call(hook: Hook | None, db: Session, job: Job) -> None:
    if hook is not None:
        hook(db, job)


def execute(
    job_id: int, kinds: Kinds, lease_seconds: int, holdings: Holdings | None = None
) -> Outcome:
    """Claim and run job `job_id`, keeping its lease alive and recording the holding while it
    runs; returns what happened."""
    claimed: Job | None = None
    held: Holding | None = None
    try:
        with transaction() as db:
            if not jobs.claim(db, job_id, lease_seconds) and not _take_over(
                db, kinds, job_id, lease_seconds, holdings
            ):
                return Outcome.SKIPPED
            claimed = db.get(Job, job_id, populate_existing=True)  # as the claim left it
            assert claimed is not None
            db.expunge(claimed)
            if holdings is not None:
                # Recorded before the claim commits: a worker killed at any moment after it is
                # known to hold the job; a holding whose claim never committed hands back nothing.
                held = holdings.hold(job_id, claimed.attempts)
    except BaseException:
        if holdings is not None and held is not None:
            holdings.drop(held)
        raise
    job = claimed
    try:
        with _heartbeat(job_id, job.attempts, lease_seconds):
            return _run(job, kinds)
    finally:
        if holdings is not None and held is not None:
            holdings.drop(held)


def _take_over(
    db: Session, kinds: Kinds, job_id: int, lease_seconds: int, holdings: Holdings | None
) -> bool:
    """Claim a job whose lease is live but whose holder died (a pool process killed: Celery
    redelivers its message at once), instead of waiting for the lease to lapse."""
    if holdings is None:
        return False
    orphans = [held for held in holdings.held(job_id) if held.orphaned]
    for held in orphans:
        release(db, kinds, job_id, held.attempt, refund=False, reason=REASONS["died"])
        holdings.drop(held)
    if not orphans:
        return False
    db.flush()
    return jobs.claim(db, job_id, lease_seconds)


@contextmanager
def _heartbeat(job_id: int, attempt: int, lease_seconds: int) -> Iterator[None]:
    """Renew the lease every quarter lease while the job runs: a live worker keeps its job
    however long it takes, and a dead one's job is due again within one lease."""
    stop = threading.Event()

    def beat() -> None:
        started = time.monotonic()
        while not stop.wait(lease_seconds / 4) and time.monotonic() - started < HEARTBEAT_LIMIT:
            try:
                with transaction() as db:
                    if not jobs.renew(db, job_id, attempt, lease_seconds):
                        return  # no longer ours: the outcome is recorded by its new holder
            except Exception as error:  # a missed beat is made good by the next one
                log.warning("could not renew the lease of job %s: %s", job_id, error)

    thread = threading.Thread(target=beat, name=f"lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _run(job: Job, kinds: Kinds) -> Outcome:
    job_id, attempt = job.id, job.attempts
    try:
        kinds[job.kind].run(job)
    except NotYet as waiting:
        return _record_wait(job, kinds, waiting)
    except Exception as error:
        log.warning("job %s (%s) attempt %s failed: %s", job_id, job.kind, attempt, error)
        return _record_failure(job_id, attempt, kinds, error)
    with transaction() as db:
        current = _current(db, job_id, attempt)
        if current is not None:
            jobs.finish(db, current)
    return Outcome.DONE


def _current(db: Session, job_id: int, attempt: int) -> Job | None:
    """The job, if attempt `attempt` still holds it (else its lease lapsed and it is another's)."""
    current = db.get(Job, job_id)
    if current is None or current.state != JobState.RUNNING or current.attempts != attempt:
        return None
    return current


def _record_wait(job: Job, kinds: Kinds, waiting: NotYet) -> Outcome:
    if utcnow() - job.created_at > WAIT_LIMIT:
        return _record_failure(job.id, job.attempts, kinds, waiting)
    with transaction() as db:
        current = _current(db, job.id, job.attempts)
        if current is None:
            return Outcome.SKIPPED
        current.attempts -= 1  # waiting is not trying
        jobs.requeue(current, waiting.delay, str(waiting))
        kind = current.kind
    jobs.ring(job.id, kind, waiting.delay)
    return Outcome.WAITING


def _record_failure(job_id: int, attempt: int, kinds: Kinds, error: Exception) -> Outcome:
    message = (
        str(error)
        if isinstance(error, PermanentError | NotYet)
        else (f"{type(error).__name__}: {error}")
    )
    with transaction() as db:
        current = _current(db, job_id, attempt)
        if current is None:
            return Outcome.SKIPPED  # our lease expired and someone else owns the job now
        current.last_error = message[:4000]
        if isinstance(error, PermanentError) or current.attempts >= current.max_attempts:
            give_up(db, kinds, current)
            return Outcome.FAILED
        delay = jobs.backoff(current.attempts)
        jobs.requeue(current, delay, message)
        _call(kinds[current.kind].retrying, db, current)
        kind = current.kind
    jobs.ring(job_id, kind, delay)
    return Outcome.RETRY
