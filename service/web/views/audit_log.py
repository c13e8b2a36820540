"""The audit log for leaders and administrators: who issued, changed, sent or downloaded what."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request, url_for

from service import audit
from service.database import session as db_session
from service.identity import require
from service.queries import audit as audit_queries
from service.queries.paging import Page
from service.web.blueprint import web
from service.web.forms import Form

PER_PAGE = 50
# The filters offered: an action prefix and its label.
AREAS = {
    "": "Tất cả",
    "document.": "Văn bản",
    "dispatch.": "Gửi thư",
    "campaign.": "Kế hoạch",
    "visit.": "Cuộc kiểm tra",
    "register.": "Sổ văn bản đi",
    "archive.": "Hồ sơ lưu trữ",
    "user.": "Tài khoản, đăng nhập",
    "token.": "Khóa API",
    "template.": "Mẫu văn bản",
}
# The page of each kind of subject: the endpoint and the name of the id it takes.
PAGES: dict[str, tuple[str, str]] = {
    "campaign": ("web.campaign_page", "campaign_id"),
    "targets": ("web.targets_form", "campaign_id"),
    "team": ("web.team_form", "campaign_id"),
    "visit": ("web.visit_page", "visit_id"),
    "document": ("web.document_page", "doc_id"),
    "registers": ("web.register_book", ""),
    "users": ("web.user_list", ""),
    "tokens": ("web.token_list", ""),
    "directory": ("web.directory_organisations", ""),
    "templates": ("web.templates_page", ""),
}


def link(subject: audit_queries.Subject | None) -> str:
    """The address of the page showing `subject`; none for a page this app does not have."""
    if subject is None or subject.page not in PAGES:
        return ""
    endpoint, arg = PAGES[subject.page]
    if endpoint not in current_app.view_functions:
        return ""
    args: dict[str, Any] = {arg: subject.page_id} if arg else {}
    return url_for(endpoint, **args)


def _utc_start(day: datetime) -> datetime:
    """The stored (naive UTC) instant a local day starts at."""
    zone = ZoneInfo(current_app.config["VANTHU"].timezone)
    return day.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


@web.get("/audit")
def audit_log() -> tuple[str, int]:
    require("audit.view")
    db = db_session()
    form = Form(request.args)
    area = request.args.get("area", "")
    area = area if area in AREAS else ""
    object_type = request.args.get("object_type", "")
    object_type = object_type if object_type in audit.OBJECT_LABELS else ""
    actor = request.args.get("actor", "").strip()[:100]
    first, last = form.date("from"), form.date("to")
    if first and last and last < first:
        form.fail("to", "Ngày kết thúc phải sau ngày bắt đầu")
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    since = _utc_start(datetime.combine(first, time())) if first else None
    until = _utc_start(datetime.combine(last, time()) + timedelta(days=1)) if last else None
    rows, total = audit.search(
        db,
        actor,
        area,
        PER_PAGE,
        (page - 1) * PER_PAGE,
        object_type=object_type,
        since=since,
        until=until,
    )
    actors = [*audit_queries.actors(db), (audit.SYSTEM, "Hệ thống")]
    # What the pager's links keep: the filters that were understood.
    filters = {
        "area": area,
        "object_type": object_type,
        "actor": actor,
        "from": first.isoformat() if first else "",
        "to": last.isoformat() if last else "",
    }
    return render_template(
        "audit.html",
        rows=rows,
        page=Page(rows, page, PER_PAGE, total),
        areas=AREAS,
        object_types=audit.OBJECT_LABELS,
        actors=actors,
        names=dict(actors),
        filters={k: v for k, v in filters.items() if v},
        values={**filters, "from": request.args.get("from", ""), "to": request.args.get("to", "")},
        errors=form.errors,
        subjects=audit_queries.subjects(db, rows),
        label=audit.action_label,
        link=link,
    ), 422 if form.errors else 200
