"""Bulk issuing: what an issue job was asked for, and how far it got, read from the documents
themselves, so the job's batches and the progress shown can never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign, Document, Job, User
from service.queries.campaigns import visible_target_ids
from service.queries.scoping import sees_every_office
from workflows.vocabulary import DocumentStatus, JobKind, JobState


@dataclass(frozen=True)
class Order:
    """An issue job's payload: one document of `kind` for each target, dated `issue_date`,
    issued as whoever asked. Each target comes with the id of its document in force when asked
    (0: none): that one is replaced, once; any newer one means the target is done."""

    kind: str
    issue_date: date
    targets: tuple[tuple[int, int], ...]
    actor: str
    timezone: str
    user_id: int | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "issue_date": self.issue_date.isoformat(),
            "targets": [list(pair) for pair in self.targets],
            "actor": self.actor,
            "timezone": self.timezone,
            "user_id": self.user_id,
        }

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Order:
        return cls(
            kind=str(payload["kind"]),
            issue_date=date.fromisoformat(payload["issue_date"]),
            targets=tuple((int(t), int(previous)) for t, previous in payload["targets"]),
            actor=str(payload["actor"]),
            timezone=str(payload["timezone"]),
            user_id=payload.get("user_id"),
        )


def in_force(db: Session, campaign_id: int, kind: str) -> dict[int, int]:
    """The id of each target's issued document of `kind` in force, by target id."""
    rows = db.execute(
        select(Document.target_id, Document.id).where(
            Document.campaign_id == campaign_id,
            Document.kind == kind,
            Document.status == DocumentStatus.ISSUED,
        )
    )
    return {int(target_id): int(doc_id) for target_id, doc_id in rows if target_id is not None}


def outstanding(db: Session, campaign_id: int, order: Order) -> list[int]:
    """The targets, in the order's order, whose document is still the one in force when asked."""
    current = in_force(db, campaign_id, order.kind)
    return [t for t, previous in order.targets if current.get(t, 0) == previous]


@dataclass(frozen=True)
class Issuing:
    """How far the newest issue job of a campaign got, within what its reader may see."""

    kind: str
    done: int
    total: int
    state: str  # the job's JobState
    error: str  # why the last attempt failed, or why the job gave up

    @property
    def busy(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)


def newest_job(db: Session, campaign_id: int) -> Job | None:
    return db.scalar(
        select(Job)
        .where(Job.campaign_id == campaign_id, Job.kind == JobKind.ISSUE)
        .order_by(Job.id.desc())
        .limit(1)
    )


def left_to_issue(db: Session, campaign_id: int) -> tuple[str, int] | None:
    """The kind and the number of documents the campaign's bulk issue, still under way, has
    yet to issue; None when none is under way or nothing is left."""
    job = newest_job(db, campaign_id)
    if job is None or job.state not in (JobState.QUEUED, JobState.RUNNING):
        return None
    order = Order.of(job.payload)
    left = len(outstanding(db, campaign_id, order))
    return (order.kind, left) if left else None


def issuing(db: Session, user: User, campaign: Campaign) -> Issuing | None:
    """The campaign's bulk issue, counted over the targets `user` sees (a district user: its
    own office, without the error, which may name others); None when none was asked."""
    job = newest_job(db, campaign.id)
    if job is None:
        return None
    order = Order.of(job.payload)
    seen = visible_target_ids(db, user, campaign)
    asked = [(t, previous) for t, previous in order.targets if t in seen]
    left = set(outstanding(db, campaign.id, order))
    return Issuing(
        kind=order.kind,
        done=sum(1 for t, _ in asked if t not in left),
        total=len(asked),
        state=job.state,
        error=job.last_error if sees_every_office(user) else "",
    )
