"""Every state and role the product names, each with its Vietnamese label, defined once.

Columns store the enum's value; pages, messages and documents show its `label`. Comparing a
member with the stored string works both ways (they are `StrEnum`s).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Labelled(StrEnum):
    """A stored value with the Vietnamese words users see for it."""

    label: str

    # `label` defaults only so that a lookup by value, `VisitStatus("held")`, type-checks.
    def __new__(cls, value: str, label: str = "", *_more: object) -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The stored values, in order (e.g. to validate input against)."""
        return tuple(m.value for m in cls)

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
    """A kind of background work: what the UI calls it (and says while one is under way), the
    queue its workers listen on, and how many attempts it gets. What a worker does with it is
    in `workers.kinds`, keyed by this enum."""

    running: str
    queue: str
    attempts: int

    def __init__(
        self, value: str, label: str = "", running: str = "", queue: str = "", attempts: int = 5
    ) -> None:
        self.running, self.queue, self.attempts = running, queue, attempts

    RENDER = "render", "Dựng văn bản", "Đang dựng văn bản", "render", 5
    CONVERT = "convert", "Chuyển sang PDF", "Đang chuyển sang PDF", "convert", 5
    # SMTP outages outlast render failures: with the backoff (5 s doubling, capped at ten
    # minutes) ten attempts keep trying for about half an hour before a message is failed.
    SEND = "send", "Gửi thư điện tử", "Đang gửi", "mail", 10
    ARCHIVE = "archive", "Lập hồ sơ", "Đang lập hồ sơ", "archive", 5
    ISSUE = "issue", "Ban hành hàng loạt", "Đang ban hành", "render", 10
    # Preparing the signature fields and server-side signing: PDF work, beside conversion.
    SIGN = "sign", "Ký số", "Đang ký số", "convert", 5
    # A candidate template rendered from the sample data and converted: PDF work too.
    PREVIEW = "preview", "Xem trước mẫu", "Đang dựng bản xem trước", "convert", 3


class SignatureState(Labelled):
    WAITING = "waiting", "Chờ ký"
    QUEUED = "queued", "Đang ký"
    SIGNED = "signed", "Đã ký"
    FAILED = "failed", "Ký không thành công"


class JobState(Labelled):
    QUEUED = "queued", "Đang chờ xử lý"
    RUNNING = "running", "Đang xử lý"
    DONE = "done", "Xong"
    FAILED = "failed", "Lỗi"


class DispatchState(Labelled):
    QUEUED = "queued", "Chờ gửi"
    SENDING = "sending", "Đang gửi"
    SENT = "sent", "Đã gửi"
    FAILED = "failed", "Gửi lỗi"


class DispatchPurpose(Labelled):
    DOCUMENT = "document", "Gửi văn bản"
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
    CLERK = "clerk", "Văn thư"
    DISTRICT = "district", "Cán bộ cấp huyện"


class SessionEnd(Labelled):
    """Why a signed-in session ended (`user_sessions.ended_reason`)."""

    SIGNED_OUT = "sign_out", "Đã đăng xuất"
    NEW_PASSWORD = "password", "Đã đổi mật khẩu"
    DEACTIVATED = "deactivated", "Tài khoản bị khóa"


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
    COMMUNE_COMMITTEE = "commune_committee", "Đơn vị cấp xã được chọn"
    GOVERNING = "governing", "Cơ quan cấp trên"
    STEERING = "steering", "Ban Chỉ đạo cấp tỉnh"


class StageProgress(Labelled):
    """Where one stage stands on a campaign's timeline."""

    DONE = "done", "Đã xong"
    CURRENT = "current", "Đang thực hiện"
    TODO = "todo", "Chưa thực hiện"
    SKIPPED = "skipped", "Không thực hiện"  # an optional stage passed over


ENUMS: tuple[type[Labelled], ...] = (
    DocumentStatus,
    VisitStatus,
    JobKind,
    JobState,
    SignatureState,
    DispatchState,
    DispatchPurpose,
    ArchiveState,
    Role,
    SessionEnd,
    TeamRole,
    OrganisationKind,
    StageProgress,
)

PlanShape = Literal["line", "lines", "text", "areas", "sections", "year"]


@dataclass(frozen=True)
class PlanField:
    """One editable field of the plan: its column, its words in messages, how it is edited."""

    name: str
    label: str
    shape: PlanShape
    required: bool = False


# In the order the plan (Kế hoạch) prints them; `required` ones must be filled before issuing.
PLAN_FIELDS: tuple[PlanField, ...] = (
    PlanField("title", "tên kế hoạch", "line", required=True),
    PlanField("subject_lines", "trích yếu", "lines"),
    PlanField("legal_bases", "căn cứ", "lines", required=True),
    PlanField("introduction", "lời mở đầu", "text"),
    PlanField("purposes", "mục đích", "lines", required=True),
    PlanField("requirements", "yêu cầu", "text", required=True),
    PlanField("contents", "nội dung kiểm tra", "areas", required=True),
    PlanField("targets_description", "đối tượng kiểm tra", "lines", required=True),
    PlanField("method", "phương pháp kiểm tra", "text", required=True),
    PlanField("composition", "thành phần Đoàn kiểm tra", "lines"),
    PlanField("time_window", "thời gian kiểm tra", "text", required=True),
    PlanField("time_note", "ghi chú về thời gian", "text"),
    PlanField("closing_paragraphs", "tổ chức thực hiện", "lines"),
    PlanField("contact_phone", "điện thoại liên hệ", "line"),
    PlanField("recipients", "nơi nhận", "lines", required=True),
    PlanField("report_sections", "báo cáo kết quả", "sections"),
    PlanField("year", "năm", "year"),
)


# The plan's body as the KH template prints it, in its order: what presets, copies and the export
# carry of a plan besides its title, and the names the KH template is given.
PLAN_BODY: tuple[str, ...] = (
    "legal_bases",
    "introduction",
    "purposes",
    "requirements",
    "contents",
    "targets_description",
    "method",
    "composition",
    "time_window",
    "time_note",
    "closing_paragraphs",
)
# What a campaign's inspection adds to its plan (the programme is cited with its year).
INSPECTION: tuple[str, ...] = ("indicators", "preparation", "sub_unit_label", "report_recipients")


def plan_fields(shape: PlanShape) -> tuple[str, ...]:
    """The names of the plan's fields edited as `shape` (e.g. one item a line)."""
    return tuple(f.name for f in PLAN_FIELDS if f.shape == shape)
