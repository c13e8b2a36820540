"""What waits for a user ("Việc chờ tôi"), and what a batch issue of notices is about to issue:
a fixed number of queries whatever the number of campaigns, targets or documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from service import auth
from service.models import (
    Campaign,
    Dispatch,
    Document,
    DocumentFile,
    Organisation,
    Target,
    TeamMember,
    User,
    Visit,
)
from service.queries.scoping import dispatches_seen, documents_seen, visits_seen
from service.queries.signing import Waiting, count_waiting, waiting_for
from workflows.lifecycle import Stage, stage_reached
from workflows.vocabulary import DispatchState, DocumentStatus, VisitStatus

# Rows shown per list; the figures count them all.
LIMIT = 100
# Where a visit's results may be entered: once the schedule is announced, until the case is filed.
RECORDING = tuple(
    s for s in Stage if stage_reached(s, Stage.VISITS_SCHEDULED) and s != Stage.ARCHIVED
)
# The files of a draft a reviewer opens (not the signing formats of an issued document).
DRAFT_FORMATS = ("docx", "pdf")

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """A row of a list with the title of the campaign it belongs to."""

    row: T
    campaign_title: str


@dataclass(frozen=True)
class Counts:
    drafts: int = 0
    signing: int = 0
    visits: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.drafts + self.signing + self.visits + self.failed


@dataclass(frozen=True)
class Inbox:
    drafts: list[Entry[Document]]
    waiting: list[Waiting]
    visits: list[Entry[Visit]]
    failed: list[Entry[Dispatch]]
    counts: Counts


def _drafts(user: User) -> Select[Any, str] | None:
    """Drafts of open campaigns that `user` may issue."""
    if not auth.can(user, "document.issue"):
        return None
    return (
        select(Document, Campaign.title)
        .join(Campaign, Campaign.id == Document.campaign_id)
        .where(
            Document.status == DocumentStatus.DRAFT,
            Campaign.stage != Stage.ARCHIVED,
            documents_seen(user),
        )
    )


def _visits(user: User, now: datetime) -> Select[Any, str] | None:
    """Visits of the campaigns whose team `user` is on, due and still without their results,
    once the schedule is announced (the visit's page takes results from then on)."""
    if user.person_id is None or not auth.can(user, "visit.record"):
        return None
    team = select(TeamMember.campaign_id).where(TeamMember.person_id == user.person_id)
    return (
        select(Visit, Campaign.title)
        .join(Visit.target)
        .join(Target.office)
        .join(Campaign, Campaign.id == Target.campaign_id)
        .where(
            Visit.status == VisitStatus.SCHEDULED,
            Visit.scheduled_start <= now,
            Target.campaign_id.in_(team),
            Campaign.stage.in_(RECORDING),
            visits_seen(user),
        )
    )


def _failed(user: User) -> Select[Any, str] | None:
    """E-mails that failed, which `user` may send again."""
    if not auth.can(user, "dispatch.resend"):
        return None
    return (
        select(Dispatch, Campaign.title)
        .join(Dispatch.document)
        .join(Campaign, Campaign.id == Dispatch.campaign_id)
        .where(Dispatch.state == DispatchState.FAILED, dispatches_seen(user))
    )


def _statements(user: User, now: datetime) -> tuple[Select[Any, str] | None, ...]:
    return _drafts(user), _visits(user, now), _failed(user)


def counts(db: Session, user: User, now: datetime) -> Counts:
    """The menu's figures (local time `now`): one query for the three lists, one for the
    signatures."""
    figures = [
        literal(0)
        if s is None
        else select(func.count()).select_from(s.subquery()).scalar_subquery()
        for s in _statements(user, now)
    ]
    drafts, visits, failed = db.execute(select(*figures)).one()
    return Counts(int(drafts), count_waiting(db, user), int(visits), int(failed))


def _entries(
    db: Session, stmt: Select[Any, str] | None, *order: Any, options: tuple[Any, ...] = ()
) -> list[Entry[Any]]:
    if stmt is None:
        return []
    rows = db.execute(stmt.options(*options).order_by(*order).limit(LIMIT)).all()
    return [Entry(row, title) for row, title in rows]


def inbox(db: Session, user: User, now: datetime) -> Inbox:
    """Everything waiting for `user` at local time `now`, oldest first but failed e-mails,
    newest first."""
    drafts, visits, failed = _statements(user, now)
    # A visit's row names its office, read in the same query; its commune is not shown.
    target = contains_eager(Visit.target)
    office = (target.contains_eager(Target.office), target.lazyload(Target.commune))
    return Inbox(
        drafts=_entries(db, drafts, Document.campaign_id, Document.created_at, Document.id),
        waiting=waiting_for(db, user),
        visits=_entries(db, visits, Visit.scheduled_start, Visit.id, options=office),
        failed=_entries(
            db, failed, Dispatch.id.desc(), options=(contains_eager(Dispatch.document),)
        ),
        counts=counts(db, user, now),
    )


# --- the notices a batch issue is about to issue -------------------------------------------


@dataclass(frozen=True)
class DraftFiles:
    """A target's notice draft and the formats of the files rendered for it so far."""

    document_id: int
    formats: tuple[str, ...]


def notice_targets(db: Session, campaign_id: int) -> list[Target]:
    """The campaign's targets in order, with their visits, offices, communes and the contacts
    the routing reads, each kind of row in one query."""
    return list(
        db.scalars(
            select(Target)
            .where(Target.campaign_id == campaign_id)
            .options(
                selectinload(Target.visit),
                selectinload(Target.office).selectinload(Organisation.contacts),
                selectinload(Target.commune).selectinload(Organisation.contacts),
            )
            .order_by(Target.position, Target.id)
        )
    )


def notice_drafts(db: Session, campaign_id: int) -> dict[int, DraftFiles]:
    """Each target's notice draft, if any, by target id (two queries, no file content read)."""
    rows = db.execute(
        select(Document.target_id, Document.id).where(
            Document.campaign_id == campaign_id,
            Document.kind == "TB",
            Document.status == DocumentStatus.DRAFT,
        )
    )
    drafts = {int(target_id): int(doc_id) for target_id, doc_id in rows if target_id is not None}
    formats: dict[int, list[str]] = {}
    files = db.execute(
        select(DocumentFile.document_id, DocumentFile.format)
        .where(
            DocumentFile.document_id.in_(drafts.values()),
            DocumentFile.format.in_(DRAFT_FORMATS),
        )
        .order_by(DocumentFile.format)
    )
    for doc_id, fmt in files:
        formats.setdefault(doc_id, []).append(fmt)
    return {
        target_id: DraftFiles(doc_id, tuple(formats.get(doc_id, ())))
        for target_id, doc_id in drafts.items()
    }
