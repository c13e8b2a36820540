"""The audit log for leaders and administrators: who issued, changed, sent or downloaded what."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from service import audit
from service.database import session as db_session
from service.identity import require
from service.web.blueprint import web

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


@web.get("/audit")
def audit_log() -> Any:
    require("audit.view")
    area = request.args.get("area", "")
    area = area if area in AREAS else ""
    actor = request.args.get("actor", "").strip()[:100]
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    rows, total = audit.search(db_session(), actor, area, PER_PAGE, (page - 1) * PER_PAGE)
    return render_template(
        "audit.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        areas=AREAS,
        area=area,
        actor=actor,
    )
