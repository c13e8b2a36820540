"""File answers shared by the API and the UI: names that keep their diacritics, ETags, and the
audit log entry that says who downloaded what."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request

from service import audit
from service.commands.submissions import MEDIA_TYPES
from service.database import transaction
from service.documents.naming import MIMETYPES, download_name
from service.documents.store import CORRUPT, file_of, read_verified, sha256
from service.errors import Conflict, NotFound
from service.models import DistrictSubmission, Document


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
    shown = inline and fmt == "pdf"  # read in the document's page, not downloaded
    response.headers["Content-Disposition"] = content_disposition(name, shown)
    response.set_etag(stored.sha256)
    response.headers["Cache-Control"] = "private, no-cache"
    action = "document.view" if shown else "document.download"
    log_read(action, "document", doc.id, f"{name} sha256={stored.sha256}")
    response.make_conditional(request)
    return response


def submission_report(submission: DistrictSubmission) -> Response:
    """An inspected office's own report file, as uploaded, checked against its SHA-256."""
    content = bytes(submission.report_content or b"")
    if sha256(content) != submission.report_sha256:
        raise Conflict([f"{CORRUPT}: báo cáo của đơn vị"])
    response = Response(content, mimetype=MEDIA_TYPES[submission.report_format])
    response.headers["Content-Disposition"] = content_disposition(submission.report_name)
    response.set_etag(submission.report_sha256)
    response.headers["Cache-Control"] = "private, no-cache"
    detail = f"{submission.report_name} sha256={submission.report_sha256}"
    log_read("submission.download", "visit", submission.visit_id, detail)
    response.make_conditional(request)
    return response
