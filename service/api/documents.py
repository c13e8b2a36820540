"""Documents: read, issue, download their files; templates: list and replace."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import File
from flask import Response

from service.api import api
from service.api.access import as_caller, permitted, require
from service.api.schemas import DocumentOut, IssueIn, TemplateOut
from service.api.spec import file_responses
from service.commands import documents, templates
from service.database import session
from service.documents.naming import MIMETYPES
from service.downloads import document_file
from service.models import Document, Template
from service.queries.documents import template_versions


@api.get("/documents/<int:doc_id>")
@api.output(DocumentOut)
def get_document(doc_id: int) -> Document:
    return permitted("document.view", documents.get_document(session(), doc_id))


@api.post("/documents/<int:doc_id>/issue")
@api.input(IssueIn, arg_name="data")
@api.output(DocumentOut)
def issue_document(doc_id: int, data: dict[str, Any]) -> Document:
    return as_caller(documents.issue, doc_id, data.get("issue_date"))


@api.get("/documents/<int:doc_id>/files/<fmt>")
@api.doc(responses=file_responses("Tệp DOCX hoặc PDF của văn bản", *MIMETYPES.values()))  # type: ignore[arg-type]
def download_document(doc_id: int, fmt: str) -> Response:
    return document_file(permitted("document.view", documents.get_document(session(), doc_id)), fmt)


class TemplateUpload(Schema):
    file = File(required=True)


@api.get("/templates")
@api.output(TemplateOut(many=True))
def list_templates() -> list[Template]:
    require("template.view")
    return template_versions(session())


@api.put("/templates/<kind>")
@api.input(TemplateUpload, location="files", arg_name="data")
@api.output(TemplateOut, status_code=201)
def replace_template(kind: str, data: dict[str, Any]) -> Template:
    return as_caller(templates.replace, kind, data["file"].read())
