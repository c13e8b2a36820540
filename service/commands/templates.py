"""Replace a document kind's template, after checking it; the old one stays as a version.

The API replaces at once; the staff UI first keeps the checked upload as the kind's candidate,
renders a preview PDF of it from the sample data in a job, and replaces when it is accepted.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service import audit, jobs
from service.commands.caller import Caller
from service.database import transaction
from service.documents import contract
from service.documents.catalogue import preview_key
from service.documents.libreoffice import Converter
from service.documents.render import (
    TemplateError,
    check_template,
    render_docx,
    template_variables,
    time_limit,
)
from service.documents.store import committed_template, next_template_version, sha256
from service.errors import Invalid
from service.models import Job, Template, TemplateCandidate
from service.runner import PermanentError
from workflows.documents import KINDS
from workflows.vocabulary import JobKind

NO_CANDIDATE = "Chưa có mẫu nào được tải lên chờ chấp nhận"
NO_LIBREOFFICE = "LibreOffice không khả dụng: không tạo được bản PDF xem trước"
PREVIEW_FAILED = "Không dựng được bản xem trước từ dữ liệu mẫu"


def unknown_names(kind: str, content: bytes) -> list[str]:
    """The names the template reads that documents of `kind` do not provide ([] if unreadable)."""
    try:
        return sorted(template_variables(content) - contract.PROVIDED[kind])
    except TemplateError:
        return []


def check(kind: str, content: bytes) -> None:
    """Refuse a template that is not a DOCX, uses unknown names or unsafe code."""
    unknown = unknown_names(kind, content)
    if unknown:  # said in Vietnamese: the message reaches the templates page and the API
        names = ", ".join(unknown)
        raise Invalid({"file": f"Mẫu dùng các tên không có trong dữ liệu văn bản: {names}"})
    try:
        check_template(content, contract.PROVIDED[kind], contract.SAMPLE_CONTEXTS[kind])
    except TemplateError as error:
        raise Invalid({"file": str(error)}) from error


def _known_kind(kind: str) -> None:
    if kind not in KINDS:
        raise Invalid({"kind": f"Loại văn bản phải là một trong: {', '.join(KINDS)}"})


def replace(db: Session, caller: Caller, kind: str, content: bytes) -> Template:
    caller.require("template.replace")
    _known_kind(kind)
    check(kind, content)
    version = next_template_version(db, kind)
    if version == 1:
        shipped = committed_template(kind)
        db.add(
            Template(
                kind=kind, version=1, content=shipped, sha256=sha256(shipped), uploaded_by="bản gốc"
            )
        )
        version = 2
    template = Template(
        kind=kind, version=version, content=content, sha256=sha256(content), uploaded_by=caller.name
    )
    db.add(template)
    db.flush()
    return template


def propose(db: Session, caller: Caller, kind: str, content: bytes) -> TemplateCandidate:
    """Keep a checked upload as the kind's candidate (in place of an earlier one) and queue its
    preview; nothing is rendered with it until it is accepted."""
    caller.require("template.replace")
    _known_kind(kind)
    check(kind, content)
    db.execute(delete(TemplateCandidate).where(TemplateCandidate.kind == kind))
    db.flush()
    candidate = TemplateCandidate(
        kind=kind, content=content, sha256=sha256(content), uploaded_by=caller.name
    )
    db.add(candidate)
    db.flush()
    key = preview_key(candidate.id, candidate.sha256)
    jobs.enqueue(db, JobKind.PREVIEW, key, payload={"candidate_id": candidate.id})
    audit.record(
        db, "template.propose", "template", kind, f"sha256={candidate.sha256}", actor=caller.name
    )
    return candidate


def candidate_of(db: Session, kind: str) -> TemplateCandidate | None:
    return db.scalar(select(TemplateCandidate).where(TemplateCandidate.kind == kind))


def _candidate(db: Session, caller: Caller, kind: str) -> TemplateCandidate:
    caller.require("template.replace")
    _known_kind(kind)
    candidate = candidate_of(db, kind)
    if candidate is None:
        raise Invalid({"file": NO_CANDIDATE})
    return candidate


def accept(db: Session, caller: Caller, kind: str) -> Template:
    """The candidate becomes the kind's next version, checked once more as any replacement."""
    candidate = _candidate(db, caller, kind)
    template = replace(db, caller, kind, bytes(candidate.content))
    db.delete(candidate)
    db.flush()
    return template


def discard(db: Session, caller: Caller, kind: str) -> None:
    candidate = _candidate(db, caller, kind)
    audit.record(
        db, "template.discard", "template", kind, f"sha256={candidate.sha256}", actor=caller.name
    )
    db.delete(candidate)


def preview(candidate_id: int, docx_to_pdf: Converter | None, render_seconds: float) -> None:
    """The preview job: render the candidate with the sample data (stopped after
    `render_seconds`) and convert it, outside any transaction; a candidate replaced or accepted
    meanwhile is left alone."""
    with transaction() as db:
        candidate = db.get(TemplateCandidate, candidate_id)
        if candidate is None or candidate.preview_pdf is not None:
            return
        kind, content, digest = candidate.kind, bytes(candidate.content), candidate.sha256
        if docx_to_pdf is None:
            candidate.preview_note = NO_LIBREOFFICE
            return
    try:
        with time_limit(render_seconds):
            docx = render_docx(content, contract.SAMPLE_CONTEXTS[kind])
    except TemplateError as error:
        raise PermanentError(f"{PREVIEW_FAILED}: {error}") from error
    pdf = docx_to_pdf(docx)
    with transaction() as db:
        candidate = db.get(TemplateCandidate, candidate_id)
        if candidate is not None and candidate.sha256 == digest:
            candidate.preview_pdf = pdf
            candidate.preview_note = ""


def preview_given_up(db: Session, job: Job) -> None:
    """Say on the candidate why it has no preview; it may still be accepted."""
    candidate = db.get(TemplateCandidate, int(job.payload.get("candidate_id") or 0))
    if candidate is not None and candidate.preview_pdf is None:
        candidate.preview_note = f"{PREVIEW_FAILED}: {job.last_error}"[:2000]
