"""How a document's files are named and typed when they leave the system (downloads, e-mail)."""

from __future__ import annotations

from service.models import Document
from workflows.documents import KINDS

MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def download_name(doc: Document, fmt: str) -> str:
    """`05-KH-SLĐTBXH Kế hoạch kiểm tra.docx`, or `DỰ THẢO v1 …` for drafts."""
    prefix = (
        doc.reference.replace("/", "-") if doc.number is not None else f"DỰ THẢO v{doc.version}"
    )
    return f"{prefix} {KINDS[doc.kind].label}.{fmt}"
