"""The documents of a campaign a user may see, their versions, and the work (jobs, dispatches)
about them; and the templates they are rendered from."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session, defer, selectinload

from service.models import Campaign, Dispatch, Document, Job, Target, Template, User, Visit
from service.queries.scoping import documents_seen, jobs_seen
from workflows.documents import FILING_ORDER
from workflows.vocabulary import DocumentStatus, JobState

# A document's place in the case file: by kind, then by its target's place in the plan.
_FILING_RANK = case({kind: rank for rank, kind in enumerate(FILING_ORDER)}, value=Document.kind)
# A current document: the version in force, or the draft of the next one; not one it replaced.
_CURRENT = Document.status != DocumentStatus.SUPERSEDED
UNFINISHED = (JobState.QUEUED, JobState.RUNNING)


# What a list of documents shows: the files (not their bytes), not the frozen context.
_LISTED = (selectinload(Document.files), defer(Document.context))


def documents_query(user: User, campaign_id: int) -> Select[Document]:
    """Every version of the campaign's documents in `user`'s scope, oldest first (API pages)."""
    return (
        select(Document)
        .where(Document.campaign_id == campaign_id, documents_seen(user))
        .options(*_LISTED)
        .order_by(Document.id)
    )


def current_documents_query(
    user: User, campaign: Campaign, kind: str | None = None, status: str | None = None
) -> Select[Document]:
    """The campaign's current (not superseded) documents in `user`'s scope, of `kind` and
    `status` where given, in filing order, each with its files (not their bytes)."""
    stmt = (
        select(Document)
        .outerjoin(Target, Document.target_id == Target.id)
        .where(Document.campaign_id == campaign.id, _CURRENT, documents_seen(user))
    )
    if kind is not None:
        stmt = stmt.where(Document.kind == kind)
    if status is not None:
        stmt = stmt.where(Document.status == status)
    # Each document's target, with its office as the model reads it.
    return stmt.options(*_LISTED, selectinload(Document.target)).order_by(
        _FILING_RANK, func.coalesce(Target.position, -1), Document.id
    )


def current_documents(db: Session, user: User, campaign: Campaign) -> list[Document]:
    """Every current document of the campaign in `user`'s scope, in filing order."""
    return list(db.scalars(current_documents_query(user, campaign)))


def documents_by_id(db: Session, ids: set[int]) -> dict[int, Document]:
    """The documents of `ids` (without their frozen contexts), under their ids."""
    if not ids:
        return {}
    stmt = select(Document).where(Document.id.in_(ids)).options(defer(Document.context))
    return {d.id: d for d in db.scalars(stmt)}


def _jobs_about_current(user: User, campaign: Campaign) -> Select[Job]:
    """The campaign's jobs in `user`'s scope about the whole campaign or a current document."""
    current = select(Document.id).where(Document.campaign_id == campaign.id, _CURRENT)
    about = Job.document_id.is_(None) | Job.document_id.in_(current)
    return select(Job).where(Job.campaign_id == campaign.id, jobs_seen(user), about)


def recent_jobs(db: Session, user: User, campaign: Campaign, limit: int) -> list[Job]:
    """The newest `limit` of those jobs, newest first."""
    stmt = _jobs_about_current(user, campaign).order_by(Job.id.desc()).limit(limit)
    return list(db.scalars(stmt))


def unfinished_jobs(db: Session, user: User, campaign: Campaign) -> int:
    """How many of those jobs are queued or running."""
    stmt = _jobs_about_current(user, campaign).where(Job.state.in_(UNFINISHED))
    return db.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def jobs_of(db: Session, documents: list[Document]) -> dict[int, list[Job]]:
    """The jobs about each of `documents`, oldest first, under the document's id."""
    found: dict[int, list[Job]] = {d.id: [] for d in documents}
    if not found:
        return found
    for job in db.scalars(select(Job).where(Job.document_id.in_(found)).order_by(Job.id)):
        found[job.document_id or 0].append(job)
    return found


def minutes_by_visit(
    db: Session, campaign: Campaign, visits: list[Visit]
) -> dict[int | None, Document]:
    """The current minutes (biên bản) of `visits` under the id of the visit each records: the
    newest version, where a correction is being drafted beside the issued one."""
    stmt = select(Document).where(
        Document.campaign_id == campaign.id,
        Document.kind == "BB",
        _CURRENT,
        Document.visit_id.in_([v.id for v in visits]),
    )
    stmt = stmt.options(defer(Document.context)).order_by(Document.version)
    return {d.visit_id: d for d in db.scalars(stmt)}


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
