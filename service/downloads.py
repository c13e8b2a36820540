"""File answers shared by the API and the UI: names that keep their diacritics, ETags, and the
audit log entry that says who downloaded what."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request

from service import audit
from service.database import transaction
from service.documents.naming import MIMETYPES, download_name
from service.documents.store import file_of, read_verified
from service.errors import NotFound
from service.models import Document


def content_disposition(filename: str, inline: bool = False) -> str:
    """An ASCII fallback plus the UTF-8 `filename*` (RFC 6266) so diacritics survive."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def log_read(action: str, object_type: str, object_id: object, detail: str = "") -> None:
    """Record a download or export in the audit log (a read commits nothing else)."""
    with transaction() as db:
        audit.record(db, action, object_type, object_id, detail)


def document_file(doc: Document, fmt: str, inline: bool = False) -> Response:
    """The stored DOCX or PDF of `doc` (404 if it has none yet, 409 if its bytes are corrupt);
    `inline` shows a PDF in place."""
    stored = file_of(doc, fmt) if fmt in MIMETYPES else None
    if stored is None:
        raise NotFound(f"tệp {fmt.upper()} của văn bản", doc.id)
    content = read_verified(stored)
    name = download_name(doc, fmt)
    response = Response(content, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = content_disposition(name, inline and fmt == "pdf")
    response.set_etag(stored.sha256)
    response.headers["Cache-Control"] = "private, no-cache"
    log_read("document.download", "document", doc.id, f"{name} sha256={stored.sha256}")
    response.make_conditional(request)
    return response
