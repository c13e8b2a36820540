"""An inspected office's submission before its visit: its report file and its figures."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Dict, File, Integer, Raw, String
from flask import Response

from service.api import api
from service.api.access import as_caller, caller
from service.api.schemas import LocalDateTime, StrictSchema
from service.api.spec import file_responses
from service.commands import submissions
from service.database import session
from service.downloads import submission_report
from service.models import DistrictSubmission


class SubmissionOut(Schema):
    visit_id = Integer()
    statistics = Dict(keys=String(), values=Integer())
    figures_by = String()
    figures_at = LocalDateTime(allow_none=True)
    report_name = String()
    report_format = String(metadata={"description": "pdf hoặc docx; rỗng khi chưa tải lên"})
    report_sha256 = String()
    report_size = Integer()
    report_by = String()
    report_at = LocalDateTime(allow_none=True)


class FiguresIn(StrictSchema):
    # Values are checked by the use case against the plan's indicators, with their messages.
    statistics = Dict(keys=String(), values=Raw(), required=True)


class ReportUpload(Schema):
    file = File(required=True, metadata={"description": "Báo cáo của đơn vị (PDF hoặc DOCX)"})


def _answer(visit_id: int, found: DistrictSubmission | None) -> Any:
    return found if found is not None else {"visit_id": visit_id, "statistics": {}}


@api.get("/visits/<int:visit_id>/submission")
@api.output(SubmissionOut)
def get_submission(visit_id: int) -> Any:
    """What the inspected office sent before the visit (empty until it sends something)."""
    _visit, found = submissions.submission_of(session(), caller(), visit_id)
    return _answer(visit_id, found)


@api.put("/visits/<int:visit_id>/submission/statistics")
@api.input(FiguresIn, arg_name="data")
@api.output(SubmissionOut)
def put_submission_figures(visit_id: int, data: dict[str, Any]) -> DistrictSubmission:
    """The office's figures for the plan's indicators, before the visit (district users)."""
    return as_caller(submissions.submit_figures, visit_id, data["statistics"])


@api.put("/visits/<int:visit_id>/submission/report")
@api.input(ReportUpload, location="files", arg_name="data")
@api.output(SubmissionOut)
def put_submission_report(visit_id: int, data: dict[str, Any]) -> DistrictSubmission:
    """The office's own report, before the visit (district users); PDF or DOCX by content."""
    upload = data["file"]
    return as_caller(submissions.upload_report, visit_id, upload.filename or "", upload.read())


@api.get("/visits/<int:visit_id>/submission/report")
@api.doc(responses=file_responses("Báo cáo của đơn vị", *submissions.MEDIA_TYPES.values()))  # type: ignore[arg-type]
def download_submission_report(visit_id: int) -> Response:
    return submission_report(submissions.report_file(session(), caller(), visit_id))
