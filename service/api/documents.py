"""Documents: read, issue, download their files; templates: list and replace."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from apiflask import Schema
from apiflask.fields import File
from flask import Response
from sqlalchemy import select

from service.api import api
from service.api.campaigns import actor
from service.api.schemas import DocumentOut, IssueIn, TemplateOut
from service.api.spec import file_responses
from service.commands import documents, templates
from service.database import session, transaction
from service.documents.store import file_of
from service.errors import NotFound
from service.models import Document, Template
from workflows.documents import KINDS

MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@api.get("/documents/<int:doc_id>")
@api.output(DocumentOut)
def get_document(doc_id: int) -> Document:
    return documents.get_document(session(), doc_id)


@api.post("/documents/<int:doc_id>/issue")
@api.input(IssueIn, arg_name="data")
@api.output(DocumentOut)
def issue_document(doc_id: int, data: dict[str, Any]) -> Document:
    with transaction() as db:
        doc = documents.get_document(db, doc_id)
        return documents.issue(db, doc, actor(), data.get("issue_date"))


def download_name(doc: Document, fmt: str) -> str:
    """`05-KH-SLĐTBXH Kế hoạch kiểm tra.docx`, or `DU-THAO …` for drafts."""
    prefix = (
        doc.reference.replace("/", "-") if doc.number is not None else f"DỰ THẢO v{doc.version}"
    )
    return f"{prefix} {KINDS[doc.kind].label}.{fmt}"


def content_disposition(filename: str) -> str:
    """An ASCII fallback plus the UTF-8 `filename*` (RFC 6266) so diacritics survive."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@api.get("/documents/<int:doc_id>/files/<fmt>")
@api.doc(responses=file_responses("Tệp DOCX hoặc PDF của văn bản", *MIMETYPES.values()))  # type: ignore[arg-type]
def download_document(doc_id: int, fmt: str) -> Response:
    doc = documents.get_document(session(), doc_id)
    stored = file_of(doc, fmt) if fmt in MIMETYPES else None
    if stored is None:
        raise NotFound(f"tệp {fmt} của văn bản", doc_id)
    response = Response(stored.content, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = content_disposition(download_name(doc, fmt))
    response.headers["ETag"] = stored.sha256
    return response


class TemplateUpload(Schema):
    file = File(required=True)


@api.get("/templates")
@api.output(TemplateOut(many=True))
def list_templates() -> list[Any]:
    rows = session().scalars(select(Template).order_by(Template.kind, Template.version)).all()
    return list(rows)


@api.put("/templates/<kind>")
@api.input(TemplateUpload, location="files", arg_name="data")
@api.output(TemplateOut, status_code=201)
def replace_template(kind: str, data: dict[str, Any]) -> Template:
    content = data["file"].read()
    with transaction() as db:
        return templates.replace(db, kind, content, actor())
