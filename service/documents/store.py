"""Where template bytes come from (the database's newest version, else the committed file), and
the one way stored template and document bytes are read: checked against the SHA-256 recorded
when stored."""

from __future__ import annotations

import hashlib
import logging
import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction, object_session

from service import audit
from service.database import SessionFactory
from service.errors import Conflict
from service.models import Document, DocumentFile, Template
from service.runner import PermanentError

log = logging.getLogger(__name__)

CORRUPT = "Tệp lưu trữ bị hỏng"
CORRUPT_ACTION = "file.corrupt"
_ALERTS = "corrupt_files"

TEMPLATES_DIR = Path(
    os.environ.get("VANTHU_TEMPLATES_DIR", Path(__file__).resolve().parents[2] / "templates")
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=32)
def committed_template(kind: str) -> bytes:
    """The .docx shipped in `templates/`, read once per process."""
    return (TEMPLATES_DIR / f"{kind}.docx").read_bytes()


def active_template(db: Session, kind: str) -> tuple[int | None, bytes]:
    """(template id or None for the committed file, its bytes, checked as `template_bytes`):
    a kind nobody uploaded a template for uses the committed file."""
    template = db.scalar(
        select(Template).where(Template.kind == kind).order_by(Template.version.desc()).limit(1)
    )
    if template is None:
        return None, committed_template(kind)
    return template.id, _verified_template(db, template)


def template_bytes(db: Session, template_id: int | None, kind: str) -> bytes:
    """The exact template a document was drafted with, never corrupt bytes: the committed file
    when it names none; a named version that is gone is an error, not the committed file."""
    if template_id is None:
        return committed_template(kind)
    template = db.get(Template, template_id)
    if template is None:
        log.error("document template #%s (%s) is missing", template_id, kind)
        raise PermanentError(
            f"Không tìm thấy mẫu {kind} #{template_id} mà văn bản được soạn theo; "
            "hãy báo quản trị viên"
        )
    return _verified_template(db, template)


def _verified_template(db: Session, template: Template) -> bytes:
    what = f"mẫu {template.kind} phiên bản {template.version}"
    return _verified(db, bytes(template.content), template.sha256, "template", template.id, what)


def next_template_version(db: Session, kind: str) -> int:
    return int(db.scalar(select(func.max(Template.version)).where(Template.kind == kind)) or 0) + 1


def put_file(
    db: Session, doc: Document, fmt: str, content: bytes, page_count: int | None = None
) -> DocumentFile:
    """Store (or, for a draft, replace) one rendered file of `doc`."""
    existing = next((f for f in doc.files if f.format == fmt), None)
    if existing is None:
        existing = DocumentFile(document=doc, format=fmt)
        db.add(existing)
    existing.content = content
    existing.sha256 = sha256(content)
    existing.size = len(content)
    existing.page_count = page_count
    db.flush()
    return existing


def file_of(doc: Document, fmt: str) -> DocumentFile | None:
    return next((f for f in doc.files if f.format == fmt), None)


class CorruptFile(Conflict, PermanentError):
    """Stored bytes that no longer match their SHA-256: a request answers 409 with the reason,
    a job fails at once (another attempt would read the same bytes)."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


def read_verified(stored: DocumentFile) -> bytes:
    """The stored bytes of a document file, never corrupt ones: a mismatch is refused and
    alerted, so nothing downloads, mails, converts or archives bytes that changed after storing."""
    doc = stored.document
    what = f"tệp {stored.format.upper()} của văn bản {doc.reference or f'#{doc.id}'}"
    db = object_session(stored)
    return _verified(db, bytes(stored.content), stored.sha256, "document", doc.id, what)


def _verified(
    db: Session | None, content: bytes, recorded: str, object_type: str, object_id: int, what: str
) -> bytes:
    """`content`, if it still matches the SHA-256 `recorded` when it was stored; else alerted
    (naming `what` and both hashes) and refused."""
    actual = sha256(content)
    if actual == recorded:
        return content
    alert(db, object_type, object_id, f"{what}: lưu {recorded}, đọc {actual}")
    raise CorruptFile(f"{CORRUPT}: {what} không khớp mã SHA-256 đã lưu; hãy báo quản trị viên")


def alert(db: Session | None, object_type: str, object_id: object, detail: str) -> None:
    """Log a corrupt stored file now, and write its audit entry once `db`'s transaction has
    ended: the refusal usually rolls that transaction back, and must not take the alert along."""
    log.error("%s: %s #%s: %s", CORRUPT, object_type, object_id, detail)
    if db is None:
        _record([(object_type, object_id, detail)], audit.SYSTEM)
    else:
        db.info.setdefault(_ALERTS, []).append((object_type, object_id, detail))


@event.listens_for(SessionFactory, "after_transaction_end")
def _record_alerts(db: Session, ended: SessionTransaction) -> None:
    # The outermost transaction has released its connection (and SQLite's write lock) by now.
    if ended.parent is None and db.info.get(_ALERTS):
        _record(db.info.pop(_ALERTS), audit.actor_of(db))


def _record(alerts: list[tuple[str, object, str]], actor: str) -> None:
    try:
        with SessionFactory() as own, own.begin():
            for object_type, object_id, detail in alerts:
                audit.record(own, CORRUPT_ACTION, object_type, object_id, detail, actor=actor)
    except Exception:  # the database being away must not hide the refusal itself
        log.exception("could not record %d corrupt file alert(s) in the audit log", len(alerts))
