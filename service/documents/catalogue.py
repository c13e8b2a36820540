"""The templates of each document kind as the templates page shows them: the versions (without
their bytes), the one in use, and a candidate waiting to be accepted with its preview's job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.documents.store import (
    CORRUPT,
    CorruptFile,
    committed_template,
    sha256,
    template_bytes,
)
from service.models import Job, Template, TemplateCandidate
from workflows.documents import FILING_ORDER, KINDS
from workflows.vocabulary import JobKind, JobState

ORIGINAL = "bản gốc"


@dataclass(frozen=True)
class Version:
    version: int
    sha256: str
    uploaded_by: str
    created_at: datetime | None  # None: the file shipped with the program, never uploaded


@dataclass(frozen=True)
class Candidate:
    sha256: str
    uploaded_by: str
    created_at: datetime
    has_preview: bool
    preview_note: str
    job: Job | None

    @property
    def busy(self) -> bool:
        """Whether its preview is still being made (the page looks again shortly)."""
        return (
            not self.has_preview
            and not self.preview_note
            and self.job is not None
            and self.job.state in (JobState.QUEUED, JobState.RUNNING)
        )


@dataclass(frozen=True)
class KindTemplates:
    kind: str
    label: str
    versions: list[Version]  # newest first; the first is the one in use
    candidate: Candidate | None

    @property
    def current(self) -> Version:
        return self.versions[0]


def preview_key(candidate_id: int, digest: str) -> str:
    """The key of the job making a candidate's preview: one job per uploaded file."""
    return f"{JobKind.PREVIEW}:{candidate_id}:{digest[:16]}"


def versions(db: Session, kind: str) -> list[Version]:
    """Newest first; a kind nobody replaced has the shipped file alone, as version 1."""
    rows = db.execute(
        select(Template.version, Template.sha256, Template.uploaded_by, Template.created_at)
        .where(Template.kind == kind)
        .order_by(Template.version.desc())
    ).all()
    if not rows:
        return [Version(1, sha256(committed_template(kind)), ORIGINAL, None)]
    return [Version(r.version, r.sha256, r.uploaded_by, r.created_at) for r in rows]


def candidate(db: Session, kind: str) -> Candidate | None:
    row = db.execute(
        select(
            TemplateCandidate.id,
            TemplateCandidate.sha256,
            TemplateCandidate.uploaded_by,
            TemplateCandidate.created_at,
            TemplateCandidate.preview_pdf.is_not(None).label("has_preview"),
            TemplateCandidate.preview_note,
        ).where(TemplateCandidate.kind == kind)
    ).first()
    if row is None:
        return None
    key = preview_key(row.id, row.sha256)
    job = db.scalar(select(Job).where(Job.kind == JobKind.PREVIEW, Job.key == key))
    return Candidate(
        row.sha256, row.uploaded_by, row.created_at, bool(row.has_preview), row.preview_note, job
    )


def overview(db: Session) -> list[KindTemplates]:
    """Every kind, in the order a case file lists them."""
    return [
        KindTemplates(kind, KINDS[kind].label, versions(db, kind), candidate(db, kind))
        for kind in FILING_ORDER
    ]


def version_file(db: Session, kind: str, version: int) -> bytes | None:
    """The bytes of one version (checked against its SHA-256); None: no such version."""
    template_id = db.scalar(
        select(Template.id).where(Template.kind == kind, Template.version == version)
    )
    if template_id is None:
        has_versions = db.scalar(select(Template.id).where(Template.kind == kind).limit(1))
        return committed_template(kind) if version == 1 and has_versions is None else None
    return template_bytes(db, template_id, kind)


def candidate_file(db: Session, kind: str, fmt: str) -> bytes | None:
    """The candidate's DOCX, or its preview PDF; None: no candidate, or no preview yet."""
    found = db.scalar(select(TemplateCandidate).where(TemplateCandidate.kind == kind))
    if found is None:
        return None
    if fmt == "pdf":
        return bytes(found.preview_pdf) if found.preview_pdf is not None else None
    content = bytes(found.content)
    if sha256(content) != found.sha256:
        raise CorruptFile(f"{CORRUPT}: mẫu {kind} chờ chấp nhận")
    return content
