"""An inspected office's submission before its visit: its own report file and its figures for
the plan's indicators, which the team then confirms or corrects on site (the visit's own)."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.commands.caller import Caller
from service.commands.campaigns import ensure_open
from service.commands.visits import get_visit
from service.documents.store import sha256
from service.errors import Conflict, Invalid, NotFound
from service.models import DistrictSubmission, Visit
from workflows import indicators, statistics
from workflows.vocabulary import VisitStatus

MAX_REPORT_BYTES = 4 * 1024 * 1024
MAX_NAME = 255
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
CLOSED = "Cuộc kiểm tra đã diễn ra hoặc đã hủy: đơn vị không thể gửi thêm báo cáo, số liệu"
NOT_A_REPORT = "Chỉ nhận tệp PDF hoặc DOCX (kiểm tra theo nội dung tệp, không theo tên)"


def submission_of(
    db: Session, caller: Caller, visit_id: int
) -> tuple[Visit, DistrictSubmission | None]:
    """The visit, once the caller may see its submission, and that submission if any."""
    visit = get_visit(db, visit_id)
    caller.require("submission.view", visit)
    found = db.scalar(select(DistrictSubmission).where(DistrictSubmission.visit_id == visit.id))
    return visit, found


def _open_for_edit(db: Session, caller: Caller, visit_id: int) -> DistrictSubmission:
    """The visit's submission (a new one if none), while the visit has not taken place."""
    visit, found = submission_of(db, caller, visit_id)
    caller.require("submission.edit", visit)
    ensure_open(visit.target.campaign)
    if visit.status != VisitStatus.SCHEDULED:
        raise Conflict([CLOSED])
    if found is None:
        found = DistrictSubmission(visit=visit, statistics={})
        db.add(found)
    return found


def submit_figures(
    db: Session, caller: Caller, visit_id: int, figures: dict[str, object]
) -> DistrictSubmission:
    """Keep the office's figures, checked against the plan's indicators as a visit's are."""
    submission = _open_for_edit(db, caller, visit_id)
    own = indicators.parse(submission.visit.target.campaign.indicators)
    errors = statistics.validate(figures, own)
    if errors:
        raise Invalid({f"statistics.{k}": v for k, v in errors.items()})
    submission.statistics = {k: int(v) for k, v in figures.items()}  # type: ignore[call-overload]
    submission.figures_by, submission.figures_at = caller.name, caller.now()
    db.flush()
    return submission


def report_format(content: bytes) -> str | None:
    """ "pdf" or "docx" as the bytes themselves show, else None."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    return "docx" if {"[Content_Types].xml", "word/document.xml"} <= names else None


def upload_report(
    db: Session, caller: Caller, visit_id: int, filename: str, content: bytes
) -> DistrictSubmission:
    """Keep the office's own report (PDF or DOCX, by its content), with its SHA-256."""
    submission = _open_for_edit(db, caller, visit_id)
    if not content:
        raise Invalid({"report": "Chưa chọn tệp báo cáo"})
    if len(content) > MAX_REPORT_BYTES:
        raise Invalid({"report": f"Tệp tối đa {MAX_REPORT_BYTES // (1024 * 1024)} MB"})
    found = report_format(content)
    if found is None:
        raise Invalid({"report": NOT_A_REPORT})
    stem = PurePath(filename.replace("\\", "/")).stem.strip()[: MAX_NAME - 5] or "bao-cao"
    submission.report_content = content
    submission.report_name = f"{stem}.{found}"
    submission.report_format = found
    submission.report_sha256 = sha256(content)
    submission.report_size = len(content)
    submission.report_by, submission.report_at = caller.name, caller.now()
    db.flush()
    return submission


def report_file(db: Session, caller: Caller, visit_id: int) -> DistrictSubmission:
    """The submission whose report file is asked for; NotFound when none was uploaded."""
    _visit, found = submission_of(db, caller, visit_id)
    if found is None or found.report_content is None:
        raise NotFound("báo cáo của đơn vị", visit_id)
    return found
