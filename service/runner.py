"""Run one job: claim it, do its work, record the outcome; the broker plays no part in safety."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import suppress
from enum import StrEnum
from pathlib import Path

from service import jobs
from service.database import transaction
from service.models import Job
from workflows.vocabulary import JobState

log = logging.getLogger(__name__)

Handler = Callable[[Job], None]


class PermanentError(Exception):
    """A failure that retrying cannot fix (e.g. an SMTP 5xx): the job fails at once."""


class Outcome(StrEnum):
    """What one run of a job came to (for logs and tests; the job row holds the state)."""

    SKIPPED = "skipped"  # not due, or someone else holds the lease
    DONE = "done"
    RETRY = "retry"
    FAILED = "failed"


# Names the worker process to the supervisor that started it (`service.processes`).
HOLDER_ENV = "VANTHU_HOLDER"


class Holdings:
    """The jobs one worker process holds, as empty files `<holder>-<job>-<attempt>` (empty, so
    even a full disk takes them): whoever sees that process stop or die hands them back at once
    instead of leaving them to their lease (`hand_back`)."""

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

    def _path(self, job_id: int, attempt: int) -> Path:
        return self.folder / f"{self.holder}-{job_id}-{attempt}"

    def hold(self, job_id: int, attempt: int) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._path(job_id, attempt).touch()
        except OSError as error:  # the lease still bounds how long the job can be stuck
            log.warning("could not record holding job %s: %s", job_id, error)

    def drop(self, job_id: int, attempt: int) -> None:
        with suppress(OSError):
            self._path(job_id, attempt).unlink(missing_ok=True)

    def held(self) -> list[tuple[int, int]]:
        """(job id, attempt) of every job recorded as held."""
        found = []
        for path in self.folder.glob(f"{self.holder}-*"):
            job_id, _, attempt = path.name.removeprefix(f"{self.holder}-").partition("-")
            if job_id.isdigit() and attempt.isdigit():
                found.append((int(job_id), int(attempt)))
        return found


def hand_back(holdings: Holdings, *, refund: bool, reason: str) -> list[int]:
    """Put back in the queue, and ring for, every job a stopped or dead process still held."""
    handed = []
    for job_id, attempt in holdings.held():
        with transaction() as db:
            job = jobs.release(db, job_id, attempt, refund=refund, reason=reason)
            kind = job.kind if job is not None and job.state == JobState.QUEUED else None
        if kind is not None:
            jobs.ring(job_id, kind)
            handed.append(job_id)
        holdings.drop(job_id, attempt)
    return handed


def execute(
    job_id: int, handlers: dict[str, Handler], lease_seconds: int, holdings: Holdings | None = None
) -> Outcome:
    """Claim and run job `job_id`, recording the holding while it runs; returns what happened."""
    claimed: Job | None = None
    try:
        with transaction() as db:
            if not jobs.claim(db, job_id, lease_seconds):
                return Outcome.SKIPPED
            claimed = db.get(Job, job_id)
            assert claimed is not None
            db.expunge(claimed)
            if holdings is not None:
                # Recorded before the claim commits: a worker killed at any moment after it is
                # known to hold the job; a holding whose claim never committed hands back nothing.
                holdings.hold(job_id, claimed.attempts)
    except BaseException:
        if holdings is not None and claimed is not None:
            holdings.drop(job_id, claimed.attempts)
        raise
    job = claimed
    if holdings is None:
        return _run(job, handlers)
    try:
        return _run(job, handlers)
    finally:
        holdings.drop(job_id, job.attempts)


def _run(job: Job, handlers: dict[str, Handler]) -> Outcome:
    job_id, attempt = job.id, job.attempts
    try:
        handlers[job.kind](job)
    except Exception as error:
        log.warning("job %s (%s) attempt %s failed: %s", job_id, job.kind, attempt, error)
        return _record_failure(job_id, attempt, error)
    with transaction() as db:
        current = db.get(Job, job_id)
        if (
            current is not None
            and current.state == JobState.RUNNING
            and current.attempts == attempt
        ):
            jobs.finish(db, current)
    return Outcome.DONE


def _record_failure(job_id: int, attempt: int, error: Exception) -> Outcome:
    message = f"{type(error).__name__}: {error}"
    with transaction() as db:
        current = db.get(Job, job_id)
        if current is None or current.state != JobState.RUNNING or current.attempts != attempt:
            return Outcome.SKIPPED  # our lease expired and someone else owns the job now
        delay = jobs.fail(db, current, message, permanent=isinstance(error, PermanentError))
        kind = current.kind
    if delay is None:
        return Outcome.FAILED
    jobs.ring(job_id, kind, delay)
    return Outcome.RETRY
