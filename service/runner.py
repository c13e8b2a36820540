"""Run one job: claim it, do its work, record the outcome; the broker plays no part in safety."""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

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


def execute(job_id: int, handlers: dict[str, Handler], lease_seconds: int) -> Outcome:
    """Claim and run job `job_id`; returns what happened."""
    with transaction() as db:
        if not jobs.claim(db, job_id, lease_seconds):
            return Outcome.SKIPPED
        job = db.get(Job, job_id)
        assert job is not None
        db.expunge(job)
    attempt = job.attempts
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
