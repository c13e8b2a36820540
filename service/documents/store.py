"""Where template bytes come from (the database's newest version, else the committed file)."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import Document, DocumentFile, Template

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
    """(template id or None for the committed file, its bytes)."""
    row = db.execute(
        select(Template.id, Template.content)
        .where(Template.kind == kind)
        .order_by(Template.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, committed_template(kind)
    return row.id, row.content


def template_bytes(db: Session, template_id: int | None, kind: str) -> bytes:
    """The exact template a document was issued with."""
    if template_id is None:
        return committed_template(kind)
    content = db.scalar(select(Template.content).where(Template.id == template_id))
    return content if content is not None else committed_template(kind)


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
