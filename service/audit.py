"""The audit log: who issued, changed, sent or downloaded what, written in the same transaction.

Changes are recorded by a flush hook, so no command can forget them: every insert, update and
delete of the records staff work on, an issued document and a delivered e-mail. Reads worth
recording (downloads, sign-ins) call `record` themselves. The actor is whoever the request
authenticated (`set_actor`); work done by workers is the system's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from service.database import SessionFactory
from service.models import (
    Campaign,
    Contact,
    Dispatch,
    Document,
    Organisation,
    Person,
    Signer,
    Target,
    TeamMember,
    Template,
    Visit,
)
from service.models.user import AuditEntry
from workflows.vocabulary import DispatchState, DocumentStatus

SYSTEM = "hệ thống"

# The records whose every change is logged, by the name the log gives them.
WATCHED: dict[type, str] = {
    Campaign: "campaign",
    Target: "target",
    TeamMember: "member",
    Visit: "visit",
    Organisation: "organisation",
    Contact: "contact",
    Person: "person",
    Signer: "signer",
    Template: "template",
}

DETAIL_LIMIT = 2000

# What the log calls each kind of object, for people reading it.
# (Pairs, not a dict literal: "document" here names a kind of object, not a dispatch purpose.)
OBJECT_LABELS: dict[str, str] = dict(
    (
        ("campaign", "Kế hoạch kiểm tra"),
        ("target", "Đơn vị được kiểm tra"),
        ("member", "Thành viên đoàn"),
        ("visit", "Cuộc kiểm tra"),
        ("organisation", "Cơ quan, đơn vị"),
        ("contact", "Địa chỉ nhận văn bản"),
        ("person", "Cá nhân"),
        ("signer", "Người ký"),
        ("template", "Mẫu văn bản"),
        ("document", "Văn bản"),
        ("dispatch", "Lượt gửi văn bản"),
        ("register", "Sổ văn bản đi"),
        ("archive", "Hồ sơ lưu trữ"),
        ("user", "Tài khoản"),
        ("token", "Khóa API"),
    )
)
_VERBS = {"create": "Thêm", "update": "Sửa", "delete": "Xóa"}

# Every action recorded anywhere, in Vietnamese: the flush hook's changes of watched records,
# and each `record` / `downloads.log_read` call.
ACTION_LABELS: dict[str, str] = {
    **{
        f"{name}.{verb}": f"{said} {OBJECT_LABELS[name].lower()}"
        for name in WATCHED.values()
        for verb, said in _VERBS.items()
    },
    "document.draft": "Soạn dự thảo văn bản",
    "document.issue": "Ban hành văn bản",
    f"document.{DocumentStatus.SUPERSEDED}": "Văn bản được thay thế",
    "document.view": "Xem văn bản",
    "document.download": "Tải tệp văn bản",
    "document.sign_request": "Yêu cầu ký số văn bản",
    "document.sign": "Ký số văn bản",
    "document.sign_links": "Tạo liên kết ký văn bản",
    "document.sign_download": "Tải văn bản để ký",
    "dispatch.sent": "Gửi văn bản",
    "register.export": "Xuất sổ văn bản đi",
    "register.next_number": "Đặt số tiếp theo của sổ",
    "register.entry": "Ghi số đã cấp ngoài hệ thống",
    "archive.download": "Tải hồ sơ lưu trữ",
    "visit.non_working_day": "Xác nhận kiểm tra vào ngày nghỉ",
    "user.create": "Tạo tài khoản",
    "user.activate": "Mở lại tài khoản",
    "user.deactivate": "Khóa tài khoản",
    "user.sign_in": "Đăng nhập",
    "user.sign_in_failed": "Đăng nhập không thành công",
    "user.password": "Đổi mật khẩu",
    "user.password_failed": "Nhập sai mật khẩu hiện tại",
    "token.create": "Tạo khóa API",
    "token.revoke": "Thu hồi khóa API",
    "file.corrupt": "Phát hiện tệp bị hỏng",
}


def action_label(action: str) -> str:
    """The action in Vietnamese; an action no one labelled yet shows its code."""
    return ACTION_LABELS.get(action, action)


def set_actor(db: Session, actor: str) -> None:
    """Name who the changes of this session's units of work are made by."""
    db.info["actor"] = actor


def actor_of(db: Session) -> str:
    return str(db.info.get("actor") or SYSTEM)


def record(
    db: Session,
    action: str,
    object_type: str,
    object_id: object,
    detail: str = "",
    *,
    actor: str = "",
) -> None:
    """Add one entry, committed with the caller's unit of work."""
    db.add(
        AuditEntry(
            actor=(actor or actor_of(db))[:100],
            action=action[:40],
            object_type=object_type[:40],
            object_id=str(object_id)[:40],
            detail=detail[:DETAIL_LIMIT],
        )
    )


def _changed(obj: Any) -> list[str]:
    state = inspect(obj)
    return sorted(
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    )


def _document_entry(doc: Document, new: bool) -> tuple[str, str] | None:
    if new:
        return "document.draft", f"{doc.kind} v{doc.version}"
    history = inspect(doc).attrs.status.history
    if not history.has_changes():
        return None
    if doc.status == DocumentStatus.ISSUED:
        return "document.issue", doc.reference
    return f"document.{doc.status}", doc.reference if doc.number is not None else doc.kind


def _dispatch_entry(dispatch: Dispatch) -> tuple[str, str] | None:
    history = inspect(dispatch).attrs.state.history
    if dispatch.state != DispatchState.SENT or not history.has_changes():
        return None
    return "dispatch.sent", f"văn bản #{dispatch.document_id} → {dispatch.address}"


def _entries(db: Session) -> list[tuple[str, str, object, str]]:
    found: list[tuple[str, str, object, str]] = []
    for obj, verb in (
        *((o, "create") for o in db.new),
        *((o, "update") for o in db.dirty),
        *((o, "delete") for o in db.deleted),
    ):
        if isinstance(obj, Document) and verb != "delete":
            entry = _document_entry(obj, verb == "create")
            if entry:
                found.append((entry[0], "document", obj.id, entry[1]))
        elif isinstance(obj, Dispatch) and verb == "update":
            entry = _dispatch_entry(obj)
            if entry:
                found.append((entry[0], "dispatch", obj.id, entry[1]))
        elif type(obj) in WATCHED:
            fields = _changed(obj) if verb == "update" else []
            if verb != "update" or fields:
                name = WATCHED[type(obj)]
                found.append((f"{name}.{verb}", name, obj.id or "", ", ".join(fields)))
    return found


@event.listens_for(SessionFactory, "after_flush")
def _collect(db: Session, _context: Any) -> None:
    # After the flush new rows have their ids, and the history still says what changed.
    db.info.setdefault("audit", []).extend(_entries(db))


@event.listens_for(SessionFactory, "after_flush_postexec")
def _write(db: Session, _context: Any) -> None:
    # Added here, the entries go in the flush that commit runs next, in the same transaction.
    for action, object_type, object_id, detail in db.info.pop("audit", []):
        record(db, action, object_type, object_id, detail)


@event.listens_for(SessionFactory, "after_rollback")
def _forget(db: Session) -> None:
    db.info.pop("audit", None)


def search(
    db: Session,
    actor: str = "",
    action: str = "",
    limit: int = 50,
    offset: int = 0,
    *,
    object_type: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[AuditEntry], int]:
    """Entries newest first, by actor, by action prefix (`document.` finds every document
    action), object type and time (`since` included, `until` not); with the total for paging."""
    stmt = select(AuditEntry)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return list(rows), total
