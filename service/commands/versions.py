"""No lost update: a change based on an older version of a record is refused, naming what was
changed since, by whom and when (read from the audit log, which records every change's fields).

Every edit command calls `check` before it changes anything; the ORM's version counter
(`service.models.versioned`) refuses the rarer race of two writers passing it at once.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.audit import WATCHED
from service.commands.caller import Caller
from service.errors import Stale
from service.models import AuditEntry, Campaign, Organisation, Target, TeamMember, Visit
from workflows.formatting import clock
from workflows.vocabulary import PLAN_FIELDS

Record = Campaign | Target | TeamMember | Visit | Organisation

# How a message names each kind of record, by the audit log's name for it.
RECORDS = {
    "campaign": "Kế hoạch",
    "target": "Đơn vị được kiểm tra",
    "member": "Thành viên Đoàn kiểm tra",
    "visit": "Cuộc kiểm tra",
    "organisation": "Cơ quan, đơn vị",
}


def _labels(*columns: tuple[InstrumentedAttribute[Any], str]) -> dict[str, str]:
    return {column.key: label for column, label in columns}


# How a message names each changed column; one missing is named as it is.
FIELDS: dict[str, dict[str, str]] = {
    "campaign": {
        **{field.name: field.label for field in PLAN_FIELDS},
        "programme": "chương trình",
        "indicators": "chỉ tiêu số liệu",
        "preparation": "nội dung đơn vị chuẩn bị",
        "sub_unit_label": "đơn vị cấp xã",
        "report_recipients": "nơi nhận báo cáo",
        "unit_id": "đơn vị chủ trì",
        "signer_id": "người ký",
        "issuer_id": "cơ quan ban hành",
        "stage": "giai đoạn",
    },
    "visit": _labels(
        (Visit.scheduled_start, "giờ bắt đầu"),
        (Visit.scheduled_end, "giờ kết thúc"),
        (Visit.place, "địa điểm"),
        (Visit.status, "tình trạng"),
        (Visit.skip_reason, "lý do không kiểm tra"),
        (Visit.sequence, "lần thông báo lịch"),
        (Visit.team_attendees, "thành phần Đoàn kiểm tra"),
        (Visit.unit_attendees, "thành phần đơn vị"),
        (Visit.statistics, "số liệu"),
        (Visit.findings, "kết quả theo nội dung kiểm tra"),
        (Visit.unit_comments, "ý kiến của đơn vị"),
        (Visit.unit_representative, "đại diện đơn vị"),
        (Visit.unit_representative_position, "chức vụ người đại diện"),
        (Visit.commune_representative, "đại diện đơn vị cấp xã"),
        (Visit.commune_representative_position, "chức vụ người đại diện cấp xã"),
    ),
    "organisation": _labels(
        (Organisation.parent_id, "cơ quan cấp trên"),
        (Organisation.kind, "loại"),
        (Organisation.name, "tên"),
        (Organisation.header_name, "tên ở tiêu đề văn bản"),
        (Organisation.code, "mã"),
        (Organisation.place_name, "địa danh"),
        (Organisation.district, "huyện"),
        (Organisation.email, "thư điện tử"),
        (Organisation.series_plan, "sổ đăng ký văn bản"),
        (Organisation.competence_basis, "căn cứ chức năng, nhiệm vụ"),
    ),
    "target": _labels(
        (Target.office_id, "đơn vị"),
        (Target.commune_id, "đơn vị cấp xã"),
        (Target.position, "thứ tự"),
    ),
    "member": _labels((TeamMember.person_id, "người"), (TeamMember.role, "vai trò")),
}


def check(db: Session, caller: Caller, record: Record, expected: int | None) -> None:
    """Refuse (Stale, nothing written) a change based on version `expected` of `record` once it
    has another; None (no version given) accepts any."""
    if expected is None or expected == record.version:
        return
    kind = WATCHED[type(record)]
    entries = _changes_since(db, kind, record, expected)
    changed = list(dict.fromkeys(f for e in entries for f in e.detail.split(", ") if f))
    message = _message(caller, kind, entries, changed, expected, record.version)
    raise Stale(message, record.version, changed)


def _changes_since(db: Session, kind: str, record: Record, expected: int) -> list[AuditEntry]:
    """The audit entries of the record's changes after version `expected`, oldest first: its
    newest `version - expected`, since each change of the row adds one entry and one version."""
    count = record.version - expected
    if count <= 0:
        return []  # a version it never had
    stmt = (
        select(AuditEntry)
        .where(
            AuditEntry.object_type == kind,
            AuditEntry.object_id == str(record.id),
            AuditEntry.action.in_((f"{kind}.create", f"{kind}.update")),
        )
        .order_by(AuditEntry.id.desc())
        .limit(count)
    )
    return list(reversed(db.scalars(stmt).all()))


def _message(
    caller: Caller,
    kind: str,
    entries: list[AuditEntry],
    changed: list[str],
    expected: int,
    current: int,
) -> str:
    versions = f"nay là phiên bản {current}, thay đổi của bạn dựa trên phiên bản {expected}"
    if not entries:
        saved = f"{RECORDS[kind]} đã được thay đổi ({versions})."
    else:
        actors = dict.fromkeys(
            "chính bạn (ở nơi khác)" if e.actor == caller.name else e.actor for e in entries
        )
        local = entries[-1].at.replace(tzinfo=UTC).astimezone(ZoneInfo(caller.timezone))
        when = f"{clock(local)} ngày {local:%d/%m/%Y}"
        saved = f"{RECORDS[kind]} đã được {', '.join(actors)} lưu lúc {when} ({versions})."
    labels = FIELDS.get(kind, {})
    what = f" Đã thay đổi: {', '.join(labels.get(f, f) for f in changed)}." if changed else ""
    return f"{saved}{what} Chưa lưu thay đổi của bạn."
