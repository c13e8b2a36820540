"""The job table as a work queue: enqueue with the business change, claim with a lease, finish.

The broker only rings a doorbell after commit; a lost ring is made good by the periodic sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, event, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from service.database import SessionFactory
from service.models import Document, Job
from service.timeutil import utcnow
from workflows.vocabulary import JobKind, JobState

log = logging.getLogger(__name__)

QUEUES: dict[str, str] = {kind: kind.queue for kind in JobKind}

# (job id, queue, delay in seconds, urgent: ahead of the queue's backlog)
Doorbell = Callable[[int, str, float, bool], None]
_doorbell: Doorbell | None = None


def set_doorbell(ring: Doorbell | None) -> None:
    """Install how this process tells workers that job `id` on `queue` is due in `delay` s
    (urgent: before the messages already waiting)."""
    global _doorbell
    _doorbell = ring


def ring(job_id: int, kind: str, delay: float = 0.0, *, urgent: bool = False) -> None:
    """Ring the doorbell, never failing: if the broker is away, the sweep finds the job.
    `urgent` is for work taken back from a dead worker or found late by the sweep: it has
    waited already, so it goes before the backlog instead of behind it."""
    if _doorbell is None:
        return
    try:
        _doorbell(job_id, QUEUES[kind], delay, urgent)
    except Exception:  # the broker being down must not undo committed work
        log.warning("could not notify workers of job %s; the sweep will", job_id, exc_info=True)


@event.listens_for(SessionFactory, "after_commit")
def _ring_after_commit(db: Session) -> None:
    pending: list[tuple[int, str]] = db.info.pop("new_jobs", [])
    for job_id, kind in pending:
        ring(job_id, kind)


@event.listens_for(SessionFactory, "after_rollback")
def _forget_after_rollback(db: Session) -> None:
    db.info.pop("new_jobs", None)


def enqueue(
    db: Session,
    kind: str,
    key: str,
    *,
    campaign_id: int | None = None,
    document_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Job:
    """Add a job in the caller's transaction (or return the existing one with that key); it gets
    the attempts its kind allows."""
    existing = db.scalar(select(Job).where(Job.kind == kind, Job.key == key))
    if existing is not None:
        return existing
    job = Job(
        kind=kind,
        key=key,
        campaign_id=campaign_id,
        document_id=document_id,
        payload=payload or {},
        max_attempts=JobKind(kind).attempts,
        run_after=utcnow(),
    )
    db.add(job)
    db.flush()
    ring_on_commit(db, job.id, kind)
    return job


def ring_on_commit(db: Session, job_id: int, kind: str) -> None:
    """Ring for job `job_id` once `db`'s transaction commits (and not if it rolls back)."""
    db.info.setdefault("new_jobs", []).append((job_id, kind))


def enqueue_for(db: Session, kind: str, doc: Document, version: str) -> Job:
    """The job of `kind` about a document in the state `version` names (its status and context,
    its DOCX's hash): one job per state, however often the state is reached."""
    return enqueue(
        db, kind, f"{kind}:{doc.id}:{version}", campaign_id=doc.campaign_id, document_id=doc.id
    )


def withdraw(db: Session, kind: str, document_id: int) -> int:
    """Drop the document's queued `kind` jobs unrun: the state they were for is gone (a draft
    issued, a DOCX replaced). Running ones finish and check for themselves; a doorbell already
    rung finds no job and is skipped. Returns how many were dropped."""
    ids = set(
        db.scalars(
            delete(Job)
            .where(Job.kind == kind, Job.document_id == document_id, Job.state == JobState.QUEUED)
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        )
    )
    for job_id in ids:  # enqueued in this transaction: forget it, and do not ring for it
        job = db.identity_map.get(identity_key(Job, job_id))
        if job is not None:
            db.expunge(job)
    if ids and "new_jobs" in db.info:
        db.info["new_jobs"] = [(i, k) for i, k in db.info["new_jobs"] if i not in ids]
    return len(ids)


def _due(now: datetime) -> Any:
    return or_(
        and_(Job.state == JobState.QUEUED, Job.run_after <= now),
        and_(Job.state == JobState.RUNNING, Job.lease_until < now),
    )


def _claimable(now: datetime) -> Any:
    return and_(_due(now), Job.attempts < Job.max_attempts)


def _taking(now: datetime, lease_seconds: int) -> dict[str, Any]:
    """What a claim writes on each row it takes: running, one attempt more, under a lease."""
    return {
        "state": JobState.RUNNING,
        "attempts": Job.attempts + 1,
        "lease_until": now + timedelta(seconds=lease_seconds),
        "updated_at": now,
    }


def claim(db: Session, job_id: int, lease_seconds: int) -> bool:
    """Take the job if it is due or its lease expired; exactly one claimer wins."""
    now = utcnow()
    result = db.execute(
        update(Job)
        .where(Job.id == job_id, _claimable(now))
        .values(**_taking(now, lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def claim_batch(
    db: Session, job_id: int, batched: Collection[str], limit: int, lease_seconds: int
) -> list[Job]:
    """Take job `job_id` and, if its kind is among `batched`, up to `limit` - 1 more due jobs of
    its kind (oldest first), in one conditional UPDATE that returns them as claimed (job
    `job_id` first). Each row is taken as `claim` takes one: its own attempt and lease, and
    only if it is still claimable when written, so a row another claimer took meanwhile is
    left out and no two claimers ever get the same job."""
    now = utcnow()
    same_kind = select(Job.kind).where(Job.id == job_id).scalar_subquery()
    chosen = (
        select(Job.id)
        .where(
            _claimable(now),
            or_(Job.id == job_id, and_(Job.kind == same_kind, Job.kind.in_(list(batched)))),
        )
        .order_by(Job.id != job_id, Job.run_after, Job.id)
        .limit(max(1, limit))
    )
    taken = db.scalars(
        update(Job)
        .where(Job.id.in_(chosen.scalar_subquery()), _claimable(now))
        .values(**_taking(now, lease_seconds))
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).all()
    return sorted(taken, key=lambda job: (job.id != job_id, job.run_after, job.id))


def _attempts_of(held: Mapping[int, int]) -> Any:
    """The rows that attempt `held[id]` of job `id` still holds."""
    return and_(
        Job.state == JobState.RUNNING,
        or_(*(and_(Job.id == job_id, Job.attempts == attempt) for job_id, attempt in held.items())),
    )


def renew(db: Session, held: Mapping[int, int], lease_seconds: int) -> set[int]:
    """Extend the leases of the jobs `held` (id: attempt) while their worker is alive; returns
    the ids still held (a job is no longer once its attempt finished, or its lease lapsed and
    another worker took it)."""
    if not held:
        return set()
    until = utcnow() + timedelta(seconds=lease_seconds)
    return set(
        db.scalars(
            update(Job)
            .where(_attempts_of(held))
            .values(lease_until=until)
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        )
    )


def unclaim(db: Session, held: Mapping[int, int]) -> list[tuple[int, str]]:
    """Put back, as if never claimed, the jobs `held` (id: attempt) that a batch claimed but
    never started: due at once, the attempt given back. Returns (id, kind) of those put back."""
    if not held:
        return []
    now = utcnow()
    rows = db.execute(
        update(Job)
        .where(_attempts_of(held))
        .values(
            state=JobState.QUEUED,
            attempts=Job.attempts - 1,
            lease_until=None,
            run_after=now,
            updated_at=now,
        )
        .returning(Job.id, Job.kind)
        .execution_options(synchronize_session=False)
    )
    return [(row.id, row.kind) for row in rows]


def finish_attempt(db: Session, job_id: int, attempt: int) -> bool:
    """Record attempt `attempt` of the job done, in one statement; False if that attempt no
    longer holds it (its lease lapsed and another worker took it)."""
    now = utcnow()
    result = db.execute(
        update(Job)
        .where(_attempts_of({job_id: attempt}))
        .values(
            state=JobState.DONE, lease_until=None, last_error="", finished_at=now, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def backoff(attempts: int) -> float:
    """Seconds before the next attempt: 5, 10, 20, 40… capped at ten minutes."""
    return float(min(600, 5 * 2 ** max(0, attempts - 1)))


def finish(db: Session, job: Job) -> None:
    job.state = JobState.DONE
    job.lease_until = None
    job.last_error = ""
    job.finished_at = utcnow()


def requeue(job: Job, delay: float, error: str) -> None:
    """Put the job back in the queue, due in `delay` seconds, noting why."""
    job.state = JobState.QUEUED
    job.lease_until = None
    job.last_error = error[:4000]
    job.run_after = utcnow() + timedelta(seconds=delay)


def stalled(db: Session, grace_seconds: float) -> int:
    """How many jobs have been due for `grace_seconds` with nothing moving: no job claimed,
    finished or running under a live lease in that time (a backlog being worked is not stalled)."""
    now = utcnow()
    since = now - timedelta(seconds=grace_seconds)
    moving = or_(
        Job.updated_at >= since, and_(Job.state == JobState.RUNNING, Job.lease_until >= now)
    )
    if db.scalar(select(Job.id).where(moving).limit(1)) is not None:
        return 0
    return int(db.scalar(select(func.count()).select_from(Job).where(_due(since))) or 0)


def lost(db: Session, grace_seconds: float) -> tuple[list[Job], list[tuple[int, str]]]:
    """What the sweep finds: jobs out of attempts whose last run is over (to give up), and
    jobs whose doorbell seems lost (due for `grace_seconds` already) or whose lease expired (to
    ring again).

    The grace keeps the sweep from re-ringing work whose message is simply still in the queue,
    and so does a queue that moved within it (a job of its kind claimed, finished or added): its
    backlog is waiting its turn, and ringing it every sweep would flood a long queue with
    duplicates. Once it stops moving, all is re-rung.
    """
    now = utcnow()
    since = now - timedelta(seconds=grace_seconds)
    overdue = or_(
        and_(Job.state == JobState.QUEUED, Job.run_after <= since),
        and_(Job.state == JobState.RUNNING, Job.lease_until < now),
    )
    moving = {
        QUEUES.get(kind)
        for kind in db.scalars(select(Job.kind).where(Job.updated_at >= since).distinct())
    }
    exhausted = list(db.scalars(select(Job).where(overdue, Job.attempts >= Job.max_attempts)))
    due = db.execute(
        select(Job.id, Job.kind, Job.state).where(overdue, Job.attempts < Job.max_attempts)
    )
    return exhausted, [
        (row.id, row.kind)
        for row in due
        if row.state == JobState.RUNNING or QUEUES.get(row.kind) not in moving
    ]


def overdue(db: Session, seconds: float) -> int:
    """How many jobs are overdue by more than `seconds` (a lease): due, or running under a lease
    that ran out, that long ago, while no job of their queue was worked in that time (a backlog
    being worked is slow, not stuck). One COUNT, for /readyz and the administrators' banner."""
    since = utcnow() - timedelta(seconds=seconds)
    queues: dict[str, list[str]] = {}
    for kind, queue in QUEUES.items():
        queues.setdefault(queue, []).append(str(kind))
    idle = [
        and_(
            Job.kind.in_(kinds),
            ~select(Job.id)
            .where(Job.kind.in_(kinds), Job.attempts > 0, Job.updated_at >= since)
            .correlate(None)
            .exists(),
        )
        for kinds in queues.values()
    ]
    return int(db.scalar(select(func.count()).select_from(Job).where(_due(since), or_(*idle))) or 0)
