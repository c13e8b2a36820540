"""The documents of a campaign a user may see, and the work (jobs) about them."""

from __future__ import annotations

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from service.models import Campaign, Document, Job, Target, User
from service.queries.scoping import documents_seen, jobs_seen
from workflows.documents import FILING_ORDER
from workflows.vocabulary import DocumentStatus

# A document's place in the case file: by kind, then by its target's place in the plan.
_FILING_RANK = case({kind: rank for rank, kind in enumerate(FILING_ORDER)}, value=Document.kind)


def documents_query(user: User, campaign_id: int) -> Select[Document]:
    """Every version of the campaign's documents in `user`'s scope, oldest first (API pages)."""
    return (
        select(Document)
        .where(Document.campaign_id == campaign_id, documents_seen(user))
        .order_by(Document.id)
    )


def current_documents(db: Session, user: User, campaign: Campaign) -> list[Document]:
    """The campaign's current (not superseded) documents in `user`'s scope, in filing order."""
    return list(
        db.scalars(
            select(Document)
            .outerjoin(Target, Document.target_id == Target.id)
            .where(
                Document.campaign_id == campaign.id,
                Document.status != DocumentStatus.SUPERSEDED,
                documents_seen(user),
            )
            .order_by(_FILING_RANK, func.coalesce(Target.position, -1), Document.id)
        )
    )


def current_jobs(db: Session, user: User, campaign: Campaign) -> list[Job]:
    """The campaign's jobs in `user`'s scope about the whole campaign or a current document."""
    return list(
        db.scalars(
            select(Job)
            .outerjoin(Document, Job.document_id == Document.id)
            .where(
                Job.campaign_id == campaign.id,
                jobs_seen(user),
                Job.document_id.is_(None) | (Document.status != DocumentStatus.SUPERSEDED),
            )
            .order_by(Job.id)
        )
    )
