"""Who may do what: role rules and district scoping, as plain functions over the models.

A district user sees only its own office's target: that target's visit, its notices (TB) and
its minutes (BB), and the issued plan (KH) and decision (QĐ) of a campaign that inspects it,
which are sent to every inspected office. Objects outside a user's scope are reported as
missing, not as forbidden, so that their existence is not revealed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from service.errors import NotFound
from service.models import ArchiveBuild, Campaign, Dispatch, Document, Target, User, Visit
from workflows.lifecycle import Stage, stage_reached
from workflows.vocabulary import DocumentStatus, Role

EVERYONE: frozenset[str] = frozenset(Role)
OFFICE: frozenset[str] = frozenset({Role.ADMIN, Role.STAFF, Role.LEADER, Role.CLERK})
SIGNERS: frozenset[str] = frozenset({Role.ADMIN, Role.LEADER})

PERMISSIONS: dict[str, frozenset[str]] = {
    "campaign.view": EVERYONE,
    "campaign.create": OFFICE,
    "campaign.edit": OFFICE,
    "campaign.reopen": SIGNERS,
    "visit.view": EVERYONE,
    "visit.schedule": OFFICE,
    "visit.record": OFFICE,
    "document.view": EVERYONE,
    "document.draft": OFFICE,
    "document.issue": SIGNERS,
    # Signing as a person is also checked against the document's signatory (commands.signing).
    "document.sign": OFFICE,
    # The agency's signature, its seal, is the văn thư's alone (Nghị định 30/2020, Điều 33).
    "document.seal": frozenset({Role.CLERK}),
    "dispatch.resend": OFFICE,
    "archive.build": OFFICE,
    "archive.download": OFFICE,
    "statistics.view": EVERYONE,
    # An inspected office's own report and figures, sent before its visit.
    "submission.view": EVERYONE,
    "submission.edit": frozenset({Role.DISTRICT}),
    "dispatch.view": OFFICE,
    "register.view": OFFICE,
    # The register is the văn thư's (Nghị định 30/2020, Điều 15), and the administrator's.
    "register.manage": frozenset({Role.ADMIN, Role.CLERK}),
    "job.view": OFFICE,
    "archive.view": OFFICE,
    "directory.view": EVERYONE,
    # The directory's pages list every office's people and addresses: the agency's own staff
    # only (a district user reads its own office through what it is sent).
    "directory.browse": OFFICE,
    "directory.edit": OFFICE,
    "template.view": OFFICE,
    "template.replace": frozenset({Role.ADMIN}),
    "token.own": EVERYONE,
    "audit.view": SIGNERS,
    "user.manage": frozenset({Role.ADMIN}),
    "health.view": frozenset({Role.ADMIN}),
}

REFUSALS: dict[str, str] = {
    "document.seal": "Chỉ văn thư mới được ký số thay mặt cơ quan (đóng dấu)",
    "document.issue": "Chỉ lãnh đạo (hoặc quản trị) mới được ban hành văn bản",
    "campaign.reopen": "Chỉ lãnh đạo (hoặc quản trị) mới được mở lại kế hoạch đã lưu trữ",
    "visit.schedule": "Đã thông báo lịch kiểm tra: đổi lịch sẽ ban hành thông báo mới, "
    "chỉ lãnh đạo (hoặc quản trị) mới được thực hiện",
    "user.manage": "Chỉ quản trị hệ thống mới được quản lý tài khoản",
    "template.replace": "Chỉ quản trị hệ thống mới được thay mẫu văn bản",
    "submission.edit": "Chỉ cán bộ của đơn vị được kiểm tra mới gửi báo cáo và số liệu của đơn vị",
    "register.manage": "Chỉ văn thư (hoặc quản trị) mới được đặt số tiếp theo hay ghi số đã "
    "cấp ngoài hệ thống vào sổ đăng ký văn bản đi",
}

# Document kinds a district user may see when they concern its own office.
DISTRICT_KINDS = frozenset({"TB", "BB"})
# A campaign's documents sent to every inspected office, seen by them once issued.
SENT_TO_OFFICES = frozenset({"KH", "QD"})

WHAT: dict[type, str] = {
    Campaign: "kế hoạch kiểm tra",
    Target: "đơn vị được kiểm tra",
    Visit: "cuộc kiểm tra",
    Document: "văn bản",
    Dispatch: "lượt gửi",
    ArchiveBuild: "hồ sơ lưu trữ",
}


class Forbidden(Exception):
    """The user's role does not allow the action (answers 403)."""


def _target_of_document(doc: Document) -> Target | None:
    if doc.target_id is None:
        return None
    db = object_session(doc)
    return db.get(Target, doc.target_id) if db is not None else None


def _sent_to_office(doc: Document, office: int) -> bool:
    """Whether `doc` is an issued plan or decision of a campaign inspecting `office`."""
    if doc.kind not in SENT_TO_OFFICES or doc.status != DocumentStatus.ISSUED:
        return False
    db = object_session(doc)
    campaign = db.get(Campaign, doc.campaign_id) if db is not None else None
    return campaign is not None and any(t.office_id == office for t in campaign.targets)


def sees(user: User, obj: Any) -> bool:
    """Whether `obj` is within the user's scope (everything, except for district users)."""
    if not user.active:
        return False
    if user.role != Role.DISTRICT:
        return True
    office = user.organisation_id
    if office is None:
        return False
    if isinstance(obj, Campaign):
        return any(t.office_id == office for t in obj.targets)
    if isinstance(obj, Target):
        return obj.office_id == office
    if isinstance(obj, Visit):
        return obj.target.office_id == office
    if isinstance(obj, Document):
        if _sent_to_office(obj, office):
            return True
        target = _target_of_document(obj)
        return obj.kind in DISTRICT_KINDS and target is not None and target.office_id == office
    if isinstance(obj, Dispatch):  # of a plan sent to every office: only the one to its own
        sent_to_all = obj.document.kind in SENT_TO_OFFICES
        return sees(user, obj.document) and (not sent_to_all or obj.organisation_id == office)
    return False


def _campaign_of(obj: Any) -> Campaign | None:
    if isinstance(obj, Campaign):
        return obj
    if isinstance(obj, Target):
        return obj.campaign
    if isinstance(obj, Visit):
        return obj.target.campaign
    return None


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """Whether `user` may do `action` (a key of PERMISSIONS), on `obj` if given."""
    if user is None or not user.active or user.role not in PERMISSIONS[action]:
        return False
    if obj is not None and not sees(user, obj):
        return False
    if action == "visit.schedule":
        # Once the notices are out, moving a visit issues a new notice: that is signing.
        campaign = _campaign_of(obj)
        if campaign is not None and stage_reached(Stage(campaign.stage), Stage.VISITS_SCHEDULED):
            return user.role in SIGNERS
    return True


def check(user: User | None, action: str, obj: Any = None) -> None:
    """Raise NotFound for an object out of scope, Forbidden for an action the role lacks."""
    if user is not None and obj is not None and not sees(user, obj):
        raise NotFound(WHAT.get(type(obj), "đối tượng"), getattr(obj, "id", ""))
    if not can(user, action, obj):
        raise Forbidden(REFUSALS.get(action, "Bạn không có quyền thực hiện thao tác này"))
