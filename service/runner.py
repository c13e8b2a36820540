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
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from service import jobs
from service.database import SessionFactory, transaction
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
    # Short jobs a worker may claim several of at once (`execute`'s `batch`), run one by one.
    batched: bool = False


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
# Marks the holding of a job claimed in a batch that has not started yet.
WAITING = "w"


# What a job handed back says about why it runs again.
REASONS = {
    "stopped": "Tiến trình xử lý nền dừng khi việc chưa xong; việc được xếp hàng chạy lại",
    "died": "Tiến trình xử lý nền bị dừng đột ngột; việc được xếp hàng chạy lại",
}


@dataclass(frozen=True)
class Holding:
    """Attempt `attempt` of job `job_id`, held by process `pid` on host `host`; `waiting`: claimed
    in a batch and not started yet (handed back, it gets its attempt back)."""

    job_id: int
    attempt: int
    pid: int
    host: str
    waiting: bool = False

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
    `<holder>-<job>-<attempt>-<pid>@<host>` (`<attempt>w` while it waits its turn in a batch;
    empty, so even a full disk takes them): whoever sees
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
        attempt = f"{held.attempt}{WAITING if held.waiting else ''}"
        return self.folder / f"{self.holder}-{held.job_id}-{attempt}-{held.pid}@{held.host}"

    def hold(self, job_id: int, attempt: int, *, waiting: bool = False) -> Holding:
        held = Holding(job_id, attempt, os.getpid(), socket.gethostname(), waiting)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._path(held).touch()
        except OSError as error:  # the lease still bounds how long the job can be stuck
            log.warning("could not record holding job %s: %s", job_id, error)
        return held

    def start(self, held: Holding) -> Holding:
        """The waiting job `held` is starting: from now on, handing it back counts its attempt."""
        started = replace(held, waiting=False)
        try:
            os.replace(self._path(held), self._path(started))
        except OSError:
            return self.hold(held.job_id, held.attempt)
        return started

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
            waiting = attempt.endswith(WAITING)
            attempt = attempt.removesuffix(WAITING)
            if job.isdigit() and attempt.isdigit() and pid.isdigit():
                found.append(Holding(int(job), int(attempt), int(pid), host, waiting))
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
            kind = _put_back(db, kinds, held, refund=refund, reason=reason)
        if kind is not None:
            jobs.ring(held.job_id, kind, urgent=True)
            handed.append(held.job_id)
        holdings.drop(held)
    return handed


def _put_back(db: Session, kinds: Kinds, held: Holding, *, refund: bool, reason: str) -> str | None:
    """Hand back the job `held` says a stopped or dead process held: one that waited its turn in
    a batch as if never claimed, one that ran as `release` does. Its kind if it is due again."""
    if held.waiting:
        back = jobs.unclaim(db, {held.job_id: held.attempt})
        return back[0][1] if back else None
    job = release(db, kinds, held.job_id, held.attempt, refund=refund, reason=reason)
    return job.kind if job is not None and job.state == JobState.QUEUED else None


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


# A worker that claimed a batch starts no more of it after this long; it hands the rest back,
# due at once, rather than keep work other workers are free for or run into its task's limits
# (a render's own stop, 30 s, after 5 s stays within Celery's 45 s: service.broker).
BATCH_SECONDS = 5.0


def execute(
    job_id: int,
    kinds: Kinds,
    lease_seconds: int,
    holdings: Holdings | None = None,
    batch: int = 1,
) -> Outcome:
    """Claim job `job_id` (with up to `batch` - 1 more due jobs of its kind, if it runs in
    batches) and run what was claimed one by one, keeping each lease alive and each holding
    recorded until the job ends; returns what came of job `job_id`."""
    taken = _claim(job_id, kinds, lease_seconds, holdings, batch)
    live = {job.id: job.attempts for job, _held in taken}
    outcome = Outcome.SKIPPED
    started = time.monotonic()
    try:
        with _heartbeat(live, lease_seconds):
            for job, held in taken:
                if job.id not in live:  # its lease lapsed while it waited; another took it
                    if holdings is not None and held is not None:
                        holdings.drop(held)
                    continue
                if job.id != taken[0][0].id and time.monotonic() - started > BATCH_SECONDS:
                    break
                if holdings is not None and held is not None and held.waiting:
                    held = holdings.start(held)
                try:
                    result = run_claimed(job, kinds)
                finally:
                    live.pop(job.id, None)
                    if holdings is not None and held is not None:
                        holdings.drop(held)
                if job.id == job_id:
                    outcome = result
    finally:
        _unclaim_rest(taken, live, holdings)
    return outcome


def _claim(
    job_id: int, kinds: Kinds, lease_seconds: int, holdings: Holdings | None, batch: int
) -> list[tuple[Job, Holding | None]]:
    """The jobs claimed, each with its holding (recorded before the claim commits: a worker
    killed at any moment after it is known to hold them; a holding whose claim never committed
    hands back nothing)."""
    batched = [kind for kind, spec in kinds.items() if spec.batched] if batch > 1 else []
    taken: list[tuple[Job, Holding | None]] = []
    try:
        with transaction() as db:
            claimed = jobs.claim_batch(db, job_id, batched, batch, lease_seconds)
            if not claimed:
                siblings = _take_over(db, kinds, job_id, holdings)
                if siblings is not None:
                    claimed = jobs.claim_batch(db, job_id, batched, batch, lease_seconds)
                    ours = {job.id for job in claimed}
                    for sibling, kind in siblings:  # the dead holder's jobs this claim left
                        if sibling not in ours:
                            jobs.ring_on_commit(db, sibling, kind)
            for index, job in enumerate(claimed):
                db.expunge(job)
                held = None
                if holdings is not None:
                    held = holdings.hold(job.id, job.attempts, waiting=index > 0)
                taken.append((job, held))
    except BaseException:
        for _job, held in taken:
            if holdings is not None and held is not None:
                holdings.drop(held)
        raise
    return taken


def _unclaim_rest(
    taken: list[tuple[Job, Holding | None]],
    live: dict[int, int],
    holdings: Holdings | None,
) -> None:
    """Hand back, as if never claimed, the jobs of a batch that were not started (out of time,
    or the worker is stopping), and ring for them ahead of the backlog: they waited already."""
    if not live:
        return
    with transaction() as db:
        back = jobs.unclaim(db, live)
    for job_id, kind in back:
        jobs.ring(job_id, kind, urgent=True)
    for job, held in taken:
        if job.id in live and holdings is not None and held is not None:
            holdings.drop(held)
    live.clear()


def _take_over(
    db: Session, kinds: Kinds, job_id: int, holdings: Holdings | None
) -> list[tuple[int, str]] | None:
    """Hand back job `job_id` if its lease is live but its holder died (a pool process killed:
    Celery redelivers its message at once), to claim it now instead of when the lease lapses;
    and the other jobs of the dead holder's batch with it. None if its holder lives; else the
    (id, kind) of the others handed back."""
    if holdings is None:
        return None
    dead = {(held.pid, held.host) for held in holdings.held(job_id) if held.orphaned}
    if not dead:
        return None
    siblings = []
    for held in holdings.held():
        if (held.pid, held.host) in dead:
            kind = _put_back(db, kinds, held, refund=False, reason=REASONS["died"])
            holdings.drop(held)
            if kind is not None and held.job_id != job_id:
                siblings.append((held.job_id, kind))
    db.flush()
    return siblings


@contextmanager
def _heartbeat(live: dict[int, int], lease_seconds: int) -> Iterator[None]:
    """Renew the leases of the claimed jobs not yet ended (`live`: id to attempt) every quarter
    lease, in one statement: a live worker keeps its jobs however long they take, and a dead
    one's are due again within one lease."""
    stop = threading.Event()

    def beat() -> None:
        started = time.monotonic()
        while not stop.wait(lease_seconds / 4) and time.monotonic() - started < HEARTBEAT_LIMIT:
            held = dict(live)
            try:
                with transaction() as db:
                    kept = jobs.renew(db, held, lease_seconds)
            except Exception as error:  # a missed beat is made good by the next one
                log.warning("could not renew the leases of jobs %s: %s", sorted(held), error)
                continue
            for lost_id in set(held) - kept:  # no longer ours: its new holder records it
                live.pop(lost_id, None)
            if not live:
                return

    thread = threading.Thread(target=beat, name="lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@dataclass
class _Run:
    """The job this thread runs, and whether its handler recorded it already (`record_done`):
    None until that transaction commits, then whether the attempt still held the job."""

    job: Job
    recorded: bool | None = None


_running: ContextVar[_Run | None] = ContextVar("running", default=None)
_RECORDED = "recorded_runs"


def record_done(db: Session) -> None:
    """Record the job this thread runs as done in `db`'s transaction, the one storing what it
    made and enqueuing what comes next, instead of in a transaction of the runner's own after
    it. Outside a job, nothing."""
    run = _running.get()
    if run is not None:
        held = jobs.finish_attempt(db, run.job.id, run.job.attempts)
        db.info.setdefault(_RECORDED, []).append((run, held))


@event.listens_for(SessionFactory, "after_commit")
def _recorded_after_commit(db: Session) -> None:
    for run, held in db.info.pop(_RECORDED, []):
        run.recorded = held


@event.listens_for(SessionFactory, "after_rollback")
def _forget_records(db: Session) -> None:
    db.info.pop(_RECORDED, None)


def run_claimed(job: Job, kinds: Kinds) -> Outcome:
    """Run one claimed job's handler and record how it ended."""
    job_id, attempt = job.id, job.attempts
    run = _Run(job)
    token = _running.set(run)
    try:
        kinds[job.kind].run(job)
    except NotYet as waiting:
        return _record_wait(job, kinds, waiting)
    except Exception as error:
        log.warning("job %s (%s) attempt %s failed: %s", job_id, job.kind, attempt, error)
        return _record_failure(job_id, attempt, kinds, error)
    finally:
        _running.reset(token)
    if run.recorded is None:
        with transaction() as db:
            run.recorded = jobs.finish_attempt(db, job_id, attempt)
    return Outcome.DONE if run.recorded else Outcome.SKIPPED


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
