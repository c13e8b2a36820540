"""Nothing says it is under way without work behind it: every case-file build, e-mail, document
and job that is (or implies being) queued or in progress has a live job of its own, queued or
running under a lease that has not lapsed. One check for the fault tests, /readyz or a CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from service.models import ArchiveBuild, Dispatch, Document, DocumentFile, Job
from service.timeutil import utcnow
from workflows.vocabulary import ArchiveState, DispatchState, DocumentStatus, JobKind, JobState

# The states that say work is pending (as service.commands.archive.PENDING and
# service.commands.dispatch.OPEN_STATES, which this layer may not import).
BUILDING = (ArchiveState.QUEUED, ArchiveState.RUNNING, ArchiveState.RETRYING)
SENDING = (DispatchState.QUEUED, DispatchState.SENDING)
NO_JOB = "không có việc nào đang chờ hay đang chạy cho nó"


def problems(db: Session, grace_seconds: float = 0.0) -> list[str]:
    """What is stuck: each build, dispatch, document and job claiming pending work that no live
    job backs (a lease lapsed less than `grace_seconds` ago still counts as live: the sweep is
    about to take it). A handful of queries, whatever the size of the database."""
    since = utcnow() - timedelta(seconds=grace_seconds)
    return [
        *_builds(db, since),
        *_dispatches(db, since),
        *_documents(db, since),
        *_jobs(db, since),
    ]


def _live(since: Any, *conditions: Any) -> Any:
    """A job matching `conditions` that is queued, or running under a lease valid at `since`."""
    return exists().where(
        *conditions,
        or_(
            Job.state == JobState.QUEUED,
            and_(Job.state == JobState.RUNNING, Job.lease_until >= since),
        ),
    )


def _builds(db: Session, since: Any) -> list[str]:
    backed = _live(
        since,
        Job.kind == JobKind.ARCHIVE,
        Job.payload["build_id"].as_integer() == ArchiveBuild.id,
    )
    rows = db.execute(
        select(ArchiveBuild.id, ArchiveBuild.state).where(ArchiveBuild.state.in_(BUILDING), ~backed)
    )
    return [f"Bản lập hồ sơ #{i} «{ArchiveState.label_of(s)}»: {NO_JOB}" for i, s in rows]


def _dispatches(db: Session, since: Any) -> list[str]:
    backed = _live(
        since,
        Job.kind == JobKind.SEND,
        Job.document_id == Dispatch.document_id,  # as every send job has it: an index to use
        Job.payload["dispatch_id"].as_integer() == Dispatch.id,
    )
    rows = db.execute(
        select(Dispatch.id, Dispatch.address, Dispatch.state).where(
            Dispatch.state.in_(SENDING), ~backed
        )
    )
    return [
        f"Thư gửi #{i} tới {address} «{DispatchState.label_of(s)}»: {NO_JOB}"
        for i, address, s in rows
    ]


def _documents(db: Session, since: Any) -> list[str]:
    """A document without its DOCX waits for a render, one with a DOCX but neither a PDF nor a
    note why not waits for a conversion. A render that failed for good is shown as failed (the
    document's newest render job), not as pending, so it is not stuck."""

    def has(fmt: str) -> Any:
        return exists().where(DocumentFile.document_id == Document.id, DocumentFile.format == fmt)

    def live(*kinds: str) -> Any:
        return _live(since, Job.document_id == Document.id, Job.kind.in_(kinds))

    newest_render = (
        select(Job.state)
        .where(Job.document_id == Document.id, Job.kind == JobKind.RENDER)
        .order_by(Job.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    no_docx = and_(
        ~has("docx"),
        ~live(JobKind.RENDER),
        func.coalesce(newest_render, "") != JobState.FAILED,
    )
    no_pdf = and_(
        has("docx"), ~has("pdf"), Document.pdf_note == "", ~live(JobKind.CONVERT, JobKind.RENDER)
    )
    rows = db.execute(
        select(Document.id, Document.kind, Document.status, has("docx")).where(or_(no_docx, no_pdf))
    )
    return [
        f"Văn bản #{i} ({kind}, {DocumentStatus.label_of(status)}) chưa có bản "
        f"{'PDF' if docx else 'DOCX'}: {NO_JOB}"
        for i, kind, status, docx in rows
    ]


def _jobs(db: Session, since: Any) -> list[str]:
    rows = db.execute(
        select(Job.id, Job.kind, Job.lease_until).where(
            Job.state == JobState.RUNNING, or_(Job.lease_until.is_(None), Job.lease_until < since)
        )
    )
    return [
        f"Việc #{i} ({JobKind.label_of(kind)}) «{JobState.RUNNING.label}» nhưng hết hạn giữ "
        f"từ {lease}: không tiến trình nào còn làm"
        for i, kind, lease in rows
    ]
