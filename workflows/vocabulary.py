"""Every state and role the product names, each with its Vietnamese label, defined once.

Columns store the enum's value; pages, messages and documents show its `label`. Comparing a
member with the stored string works both ways (they are `StrEnum`s).
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A stored value with the Vietnamese words users see for it."""

    label: str

    def __new__(cls, value: str, label: str) -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {m.value: m.label for m in cls}

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored value; an unknown one is shown as it is."""
        member = cls._value2member_map_.get(value or "")
        return member.label if isinstance(member, Labelled) else value or ""


class DocumentStatus(Labelled):
    DRAFT = "draft", "Dự thảo"
    ISSUED = "issued", "Đã ban hành"
    SUPERSEDED = "superseded", "Đã thay thế"


class VisitStatus(Labelled):
    SCHEDULED = "scheduled", "Đã xếp lịch"
    HELD = "held", "Đã kiểm tra"
    SKIPPED = "skipped", "Không kiểm tra"


UNSCHEDULED_LABEL = "Chưa xếp lịch"


class JobKind(Labelled):
    RENDER = "render", "Dựng văn bản"
    CONVERT = "convert", "Chuyển sang PDF"
    SEND = "send", "Gửi thư điện tử"
    ARCHIVE = "archive", "Lập hồ sơ"


class JobState(Labelled):
    QUEUED = "queued", "Đang chờ xử lý"
    RUNNING = "running", "Đang xử lý"
    DONE = "done", "Xong"
    FAILED = "failed", "Lỗi"


class DispatchState(Labelled):
    QUEUED = "queued", "Chờ gửi"
    SENDING = "sending", "Đang gửi"
    SENT = "sent", "Đã gửi"
    DELIVERED = "delivered", "Đã nhận"
    FAILED = "failed", "Gửi lỗi"
    CANCELLED = "cancelled", "Đã hủy"


class DispatchPurpose(Labelled):
    DOCUMENT = "document", "Văn bản"
    REMINDER = "reminder", "Nhắc lịch"
    CANCEL = "cancel", "Hủy lịch"


class ArchiveState(Labelled):
    QUEUED = "queued", "Đang chờ lập hồ sơ"
    RUNNING = "running", "Đang lập hồ sơ"
    RETRYING = "retrying", "Chờ các văn bản xử lý xong, sẽ thử lại"
    DONE = "done", "Đã lập xong"
    FAILED = "failed", "Lập hồ sơ lỗi"


ARCHIVE_NOT_BUILT_LABEL = "Chưa lập"


class Role(Labelled):
    ADMIN = "admin", "Quản trị hệ thống"
    STAFF = "staff", "Chuyên viên"
    LEADER = "leader", "Lãnh đạo"
    DISTRICT = "district", "Cán bộ cấp huyện"


class TeamRole(Labelled):
    LEADER = "truong_doan", "Trưởng đoàn"
    DEPUTY = "pho_truong_doan", "Phó Trưởng đoàn"
    MEMBER = "thanh_vien", "Thành viên"
    SECRETARY = "thu_ky", "Thư ký"


class OrganisationKind(Labelled):
    ISSUER = "issuer", "Cơ quan ban hành"
    UNIT = "unit", "Phòng chuyên môn"
    DISTRICT_OFFICE = "district_office", "Phòng LĐTBXH cấp huyện"
    DISTRICT_COMMITTEE = "district_committee", "UBND cấp huyện"
    COMMUNE_COMMITTEE = "commune_committee", "UBND cấp xã"
    GOVERNING = "governing", "Cơ quan cấp trên"
    STEERING = "steering", "Ban Chỉ đạo"
