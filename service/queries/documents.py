"""The documents of a campaign a user may see, their versions, and the work (jobs, dispatches)
about them; and the templates they are rendered from."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from service.models import Campaign, Dispatch, Document, Job, Target, Template, User, Visit
from service.queries.scoping import documents_seen, jobs_seen
from workflows.documents import FILING_ORDER
from workflows.vocabulary import DocumentStatus

# A document's place in the case file: by kind, then by its target's place in the plan.
_FILING_RANK = case({kind: rank for rank, kind in enumerate(FILING_ORDER)}, value=Document.kind)
# A current document: the version in force, or the draft of the next one; not one it replaced.
_CURRENT = Document.status != DocumentStatus.SUPERSEDED


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
            .where(Document.campaign_id == campaign.id, _CURRENT, documents_seen(user))
            .order_by(_FILING_RANK, func.coalesce(Target.position, -1), Document.id)
        )
    )


def current_jobs(db: Session, user: User, campaign: Campaign) -> list[Job]:
    """The campaign's jobs in `user`'s scope about the whole campaign or a current document."""
    current = select(Document.id).where(Document.campaign_id == campaign.id, _CURRENT)
    about = Job.document_id.is_(None) | Job.document_id.in_(current)
    stmt = select(Job).where(Job.campaign_id == campaign.id, jobs_seen(user), about)
    return list(db.scalars(stmt.order_by(Job.id)))


def minutes_by_visit(db: Session, campaign: Campaign) -> dict[int | None, Document]:
    """The campaign's current minutes (biên bản) under the id of the visit each records: the
    newest version, where a correction is being drafted beside the issued one."""
    stmt = select(Document).where(
        Document.campaign_id == campaign.id, Document.kind == "BB", _CURRENT
    )
    return {d.visit_id: d for d in db.scalars(stmt.order_by(Document.version))}


def _newest_first(*conditions: ColumnElement[bool]) -> Select[Document]:
    return select(Document).where(*conditions).order_by(Document.version.desc())


def versions(db: Session, doc: Document) -> list[Document]:
    """Every version of `doc` (its campaign, kind and subject), newest first, `doc` among them."""
    same = (Document.kind == doc.kind) & (Document.subject_key == doc.subject_key)
    return list(db.scalars(_newest_first(Document.campaign_id == doc.campaign_id, same)))


def current_draft(db: Session, campaign: Campaign, kind: str) -> Document | None:
    """The newest draft of the campaign's own document of `kind` (not one about a target)."""
    stmt = _newest_first(
        Document.campaign_id == campaign.id,
        Document.kind == kind,
        Document.subject_key == "",
        Document.status == DocumentStatus.DRAFT,
    )
    return db.scalar(stmt.limit(1))


def newest_minutes(db: Session, visit: Visit) -> Document | None:
    """The visit's minutes in their newest version, whatever its status."""
    return db.scalar(_newest_first(Document.visit_id == visit.id, Document.kind == "BB").limit(1))


def document_work(db: Session, doc: Document) -> tuple[list[Job], list[Dispatch]]:
    """The jobs (render, convert, send) and the dispatches about `doc`, oldest first."""
    jobs = db.scalars(select(Job).where(Job.document_id == doc.id).order_by(Job.id))
    sent = db.scalars(select(Dispatch).where(Dispatch.document_id == doc.id).order_by(Dispatch.id))
    return list(jobs), list(sent)


def template_versions(db: Session) -> list[Template]:
    """Every uploaded template version, by kind then version."""
    return list(db.scalars(select(Template).order_by(Template.kind, Template.version)))
