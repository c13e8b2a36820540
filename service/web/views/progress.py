"""Live progress: the documents of a campaign with their files, its bulk issue, and every job's
state (JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.commands import archive as archive_commands
from service.commands.campaigns import get_campaign
from service.database import session as db_session
from service.documents.store import file_of
from service.errors import NotFound
from service.identity import can, current_user, require
from service.models import ArchiveBuild, Campaign, Document, Job, User
from service.queries.documents import (
    UNFINISHED,
    current_documents_query,
    documents_by_id,
    jobs_of,
    recent_jobs,
    unfinished_jobs,
)
from service.queries.issuing import Issuing, issuing
from service.queries.paging import page_of
from service.web.blueprint import web
from service.web.formatting import date_vn, job_label, moment_vn, size_vn
from service.web.paging import asked_page
from workflows.documents import KINDS
from workflows.vocabulary import (
    ARCHIVE_NOT_BUILT_LABEL,
    ArchiveState,
    DocumentStatus,
    JobKind,
    JobState,
)

RECENT_JOBS = 40
DOCUMENTS_PER_PAGE = 50


def _activity(doc: Document, jobs: list[Job]) -> tuple[str, str]:
    """(state, label) of a document's work: busy while a job is due, failed, or ready."""
    pending = [j for j in jobs if j.state in UNFINISHED]
    if pending:
        job = pending[0]
        return "busy", job_label(job.kind, job.state, job.attempts)
    if jobs and jobs[-1].state == JobState.FAILED:
        return "failed", f"Lỗi: {jobs[-1].last_error[:300]}"
    if file_of(doc, "pdf") is not None:
        return "ready", "Sẵn sàng"
    if file_of(doc, "docx") is not None:
        return "ready", doc.pdf_note or "Có bản DOCX"
    return "busy", "Đang chờ xử lý"


def document_row(doc: Document, jobs: list[Job]) -> dict[str, Any]:
    files = {}
    for stored in doc.files:
        query: dict[str, Any] = {"v": stored.sha256[:12]}
        files[stored.format] = {
            "url": url_for("web.document_file", doc_id=doc.id, fmt=stored.format, **query),
            "inline_url": url_for(
                "web.document_file", doc_id=doc.id, fmt=stored.format, inline=1, **query
            ),
            "size": size_vn(stored.size),
            "pages": stored.page_count,
        }
    state, label = _activity(doc, jobs)
    return {
        "id": doc.id,
        "kind": doc.kind,
        "kind_label": KINDS[doc.kind].label,
        "reference": doc.reference,
        "version": doc.version,
        "status": doc.status,
        "status_label": DocumentStatus.label_of(doc.status),
        "issue_date": date_vn(doc.issue_date),
        "about": doc.target.office.name if doc.target else "",
        "url": url_for("web.document_page", doc_id=doc.id),
        "files": files,
        "pdf_note": doc.pdf_note,
        "activity": state,
        "activity_label": label,
    }


def _newest_build(db: Session, campaign_id: int, finished: bool) -> ArchiveBuild | None:
    try:
        return archive_commands.newest_build(db, campaign_id, finished=finished)
    except NotFound:
        return None


def archive_state(db: Session, campaign: Campaign) -> dict[str, Any] | None:
    """The newest case-file build (state, progress) and the newest one ready to download."""
    if not can("archive.download", campaign):
        return None
    newest = _newest_build(db, campaign.id, finished=False)
    ready = _newest_build(db, campaign.id, finished=True)
    state = newest.state if newest else ""
    label = ArchiveState.label_of(state) if newest else ARCHIVE_NOT_BUILT_LABEL
    if newest is not None and state == ArchiveState.RUNNING and newest.total:
        label = f"{label} ({newest.progress}/{newest.total} văn bản)"
    return {
        "state": state,
        "label": label,
        "busy": state in archive_commands.PENDING,
        "error": newest.last_error[:300] if newest and state != ArchiveState.DONE else "",
        "download": url_for("api.download_archive", campaign_id=campaign.id) if ready else "",
        "filename": ready.filename if ready else "",
        "size": size_vn(ready.size) if ready else "",
        "built_at": moment_vn(ready.built_at) if ready and ready.built_at else "",
    }


def _issuing_activity(found: Issuing) -> tuple[str, str]:
    """(state, what it says) of a bulk issue, as a document's activity: busy, failed or ready."""
    what = KINDS[found.kind].label.lower()
    if found.busy:
        return "busy", f"{JobKind.ISSUE.running} {what}"
    if found.state == JobState.FAILED:
        return "failed", f"Chưa ban hành hết {what}"
    return "ready", f"Đã ban hành {what}"


def issuing_state(db: Session, user: User, campaign: Campaign) -> dict[str, Any] | None:
    """The bulk issue of the campaign's documents: "Đang ban hành thông báo lịch kiểm tra: n/m"."""
    found = issuing(db, user, campaign)
    if found is None:
        return None
    activity, said = _issuing_activity(found)
    return {
        "state": found.state,
        "activity": activity,
        "busy": found.busy,
        "done": found.done,
        "total": found.total,
        "label": f"{said}: {found.done}/{found.total}",
        "error": found.error[:300],
    }


@dataclass(frozen=True)
class DocumentsShown:
    """Which of a campaign's documents a page lists: of a kind, a status, one document, and
    which page of them (the campaign page's filters, and its progress polls)."""

    kind: str | None = None
    status: str | None = None
    doc_id: int | None = None
    page: int = 1

    @classmethod
    def asked(cls) -> DocumentsShown:
        """The filters of the query string; one that names nothing is left out."""
        kind = request.args.get("kind") or None
        status = request.args.get("status") or None
        return cls(
            kind=kind if kind in KINDS else None,
            status=status if status in DocumentStatus.labels() else None,
            doc_id=request.args.get("doc", type=int),
            page=asked_page(),
        )

    def args(self) -> dict[str, Any]:
        """The query string that asks for these documents again."""
        values = {"kind": self.kind, "status": self.status, "doc": self.doc_id}
        if self.page > 1:
            values["page"] = self.page
        return {k: v for k, v in values.items() if v is not None}


def campaign_progress(
    db: Session, user: User, campaign: Campaign, shown: DocumentsShown
) -> dict[str, Any]:
    """A page of the documents with their files and activity, the recent jobs, the bulk issue
    and the case-file build: a fixed number of queries whatever the campaign's size."""
    stmt = current_documents_query(user, campaign, shown.kind, shown.status)
    if shown.doc_id is not None:
        stmt = stmt.where(Document.id == shown.doc_id)
    page = page_of(db, stmt, shown.page, DOCUMENTS_PER_PAGE)
    jobs = jobs_of(db, page.items)
    recent = recent_jobs(db, user, campaign, RECENT_JOBS)
    about = documents_by_id(db, {j.document_id for j in recent if j.document_id})
    return {
        "archive": archive_state(db, campaign),
        "issuing": issuing_state(db, user, campaign),
        "pending": unfinished_jobs(db, user, campaign),
        "documents": [document_row(d, jobs[d.id]) for d in page.items],
        "page_of": page,
        "jobs": [
            {
                "id": j.id,
                "kind": JobKind.label_of(j.kind),
                "state": j.state,
                "label": job_label(j.kind, j.state, j.attempts),
                "document": _document_label(about.get(j.document_id or 0)),
                "attempts": j.attempts,
                "error": j.last_error[:300],
                "updated": moment_vn(j.updated_at),
            }
            for j in recent
        ],
    }


def _document_label(doc: Document | None) -> str:
    if doc is None:
        return ""
    name = doc.reference or f"Dự thảo v{doc.version}"
    return f"{KINDS[doc.kind].label} {name}"


@web.get("/campaigns/<int:campaign_id>/progress.json")
def campaign_progress_json(campaign_id: int) -> Response:
    db = db_session()
    campaign = get_campaign(db, campaign_id)
    require("campaign.view", campaign)
    progress = campaign_progress(db, current_user(), campaign, DocumentsShown.asked())
    return jsonify({**progress, "page_of": progress["page_of"].meta()})
