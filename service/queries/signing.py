"""What waits for a user's signature: each document whose next step is theirs to apply, in a
fixed number of queries whatever the campaign's size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from service import auth
from service.models import Campaign, Document, DocumentFile, Signature, TeamMember, User
from service.queries.scoping import documents_seen
from workflows.signing import PREPARED, Party
from workflows.vocabulary import DocumentStatus, Role, SignatureState


@dataclass(frozen=True)
class Waiting:
    """A document whose next signature is the user's (or, for the unit's, theirs to hand out)."""

    signature: Signature
    campaign_title: str
    ready: bool  # the PDF has its signature fields: the step may be applied

    @property
    def document(self) -> Document:
        return self.signature.document


def _whose(user: User) -> list[ColumnElement[bool]]:
    """The steps that are `user`'s: their own as a person, the agency's seal for the văn thư,
    and the inspected unit's for the office staff on the campaign's team, who hand it the links."""
    if not auth.can(user, "document.sign"):
        return []
    mine: list[ColumnElement[bool]] = []
    if user.person_id is not None:
        own = Signature.party.in_((Party.SIGNER, Party.TEAM_LEADER))
        mine.append(own & (Signature.person_id == user.person_id))
        if user.role in (Role.STAFF, Role.LEADER):
            team = select(TeamMember.campaign_id).where(TeamMember.person_id == user.person_id)
            mine.append((Signature.party == Party.UNIT) & Document.campaign_id.in_(team))
    if auth.can(user, "document.seal"):
        mine.append(Signature.party == Party.AGENCY)
    return mine


def _next_steps(user: User) -> Select[Signature, str] | None:
    """The first step not yet signed of each issued document, where that step is `user`'s;
    None when no step can be."""
    mine = _whose(user)
    if not mine:
        return None
    pending = (
        select(Signature.document_id, func.min(Signature.step).label("step"))
        .where(Signature.state != SignatureState.SIGNED)
        .group_by(Signature.document_id)
        .subquery()
    )
    return (
        select(Signature, Campaign.title)
        .join(
            pending,
            (pending.c.document_id == Signature.document_id) & (pending.c.step == Signature.step),
        )
        .join(Signature.document)
        .join(Campaign, Campaign.id == Document.campaign_id)
        .where(
            or_(*mine),
            Document.status.in_((DocumentStatus.ISSUED, DocumentStatus.SUPERSEDED)),
            documents_seen(user),
        )
    )


def waiting_for(db: Session, user: User) -> list[Waiting]:
    """The documents waiting for `user`, oldest issued first (two queries: the rows, then which
    are prepared; no file's content is read)."""
    stmt = _next_steps(user)
    if stmt is None:
        return []
    stmt = stmt.options(contains_eager(Signature.document))
    rows = db.execute(stmt.order_by(Document.issue_date, Document.id)).all()
    prepared = set(
        db.scalars(
            select(DocumentFile.document_id).where(
                DocumentFile.document_id.in_([row.document_id for row, _ in rows]),
                DocumentFile.format == PREPARED,
            )
        )
    )
    return [Waiting(row, title, row.document_id in prepared) for row, title in rows]


def count_waiting(db: Session, user: User) -> int:
    """How many documents wait for `user` (the menu's figure): one COUNT."""
    stmt = _next_steps(user)
    if stmt is None:
        return 0
    return int(db.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
