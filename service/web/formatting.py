"""How the UI writes dates, times, numbers and states: as Vietnamese users write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from service.web.blueprint import web
from workflows import addressing, formatting, lifecycle
from workflows.vocabulary import UNSCHEDULED_LABEL, DocumentStatus, JobKind, JobState, VisitStatus

REPORT_SECTIONS = {
    "results": "Kết quả đạt được",
    "shortcomings": "Tồn tại, hạn chế",
    "causes": "Nguyên nhân",
    "recommendations": "Kiến nghị, đề xuất",
}


def job_label(kind: str, state: str, attempts: int = 0) -> str:
    """`Đang chờ xử lý`, `Đang chuyển sang PDF`, `Xong`, `Lỗi`…"""
    if state == JobState.QUEUED and attempts:
        return f"Chờ thử lại (lần {attempts + 1})"
    if state == JobState.RUNNING and kind in JobKind.labels():
        return JobKind(kind).running
    return JobState.label_of(state)


def local_moment(moment: datetime) -> datetime:
    """A stored (naive UTC) instant in the configured time zone."""
    zone = ZoneInfo(current_app.config["VANTHU"].timezone)
    return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


@web.app_template_filter("ngay")
def date_vn(value: date | datetime | None) -> str:
    """`05/09/2023`."""
    return value.strftime("%d/%m/%Y") if value else ""


@web.app_template_filter("gio")
def time_vn(value: datetime | None) -> str:
    """`08 giờ 00`."""
    return formatting.clock(value) if value else ""


@web.app_template_filter("khung_gio")
def time_range_vn(start: datetime | None, end: datetime | None) -> str:
    """`08 giờ 00 - 11 giờ 30, Thứ Ba, ngày 05/09/2023` for a visit (local wall-clock times)."""
    if start is None or end is None:
        return ""
    weekday = formatting.WEEKDAYS[start.weekday()]
    return f"{formatting.clock_range(start, end)}, {weekday}, ngày {date_vn(start)}"


@web.app_template_filter("luc")
def moment_vn(value: datetime | None) -> str:
    """A stored UTC instant as `05/09/2023, 08 giờ 00` local time."""
    if value is None:
        return ""
    local = local_moment(value)
    return f"{date_vn(local)}, {formatting.clock(local)}"


@web.app_template_filter("so")
def number_vn(value: int | None) -> str:
    """`1.234`: Vietnamese groups thousands with dots."""
    return f"{value:,}".replace(",", ".") if value is not None else ""


@web.app_template_filter("kich_thuoc")
def size_vn(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


@web.app_template_filter("stage_label")
def stage_label(stage: str) -> str:
    try:
        return lifecycle.STAGE_LABELS[lifecycle.Stage(stage)]
    except ValueError:
        return stage


@web.app_template_filter("action_label")
def action_label(action: str) -> str:
    transition = lifecycle.TRANSITIONS.get(action)
    return transition.label if transition else action


@web.app_template_filter("visit_status")
def visit_status(status: str | None) -> str:
    return VisitStatus.label_of(status) if status else UNSCHEDULED_LABEL


@web.app_template_filter("doc_status")
def document_status(status: str) -> str:
    return DocumentStatus.label_of(status)


@web.app_template_filter("don_vi_duoc_chon")
def sub_unit_heading(label: str | None) -> str:
    """The campaign's sub-unit as a heading: `Ban Chỉ đạo xã, phường được chọn`."""
    return addressing.sub_unit_heading(label or "")
