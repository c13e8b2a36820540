"""Create and edit campaigns, organisations, people, targets and the team."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, Invalid, NotFound
from service.models import (
    Campaign,
    Contact,
    Organisation,
    Person,
    Signer,
    Target,
    TeamMember,
)
from workflows.lifecycle import Stage

PLAN_ATTRIBUTES = (
    "title",
    "subject_lines",
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
    "contact_phone",
    "recipients",
    "report_sections",
    "year",
)
TEAM_ROLES = ("truong_doan", "pho_truong_doan", "thanh_vien", "thu_ky")
# Who signs for whom (Nghị định 30): none for the head, then TM., KT., Q., TL., TUQ.
AUTHORITY_PREFIXES = ("", "TM.", "KT.", "Q.", "TL.", "TUQ.")


def get(db: Session, model: type[Any], ident: int, what: str) -> Any:
    row = db.get(model, ident)
    if row is None:
        raise NotFound(what, ident)
    return row


def get_campaign(db: Session, campaign_id: int) -> Campaign:
    result: Campaign = get(db, Campaign, campaign_id, "kế hoạch kiểm tra")
    return result


def _references(db: Session, data: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for key, model in (
        ("issuer_id", Organisation),
        ("unit_id", Organisation),
        ("signer_id", Signer),
    ):
        if data.get(key) is not None and db.get(model, data[key]) is None:
            errors[key] = "Không tồn tại"
    return errors


def create(db: Session, data: dict[str, Any]) -> Campaign:
    errors = _references(db, data)
    if errors:
        raise Invalid(errors)
    campaign = Campaign(
        issuer_id=data["issuer_id"],
        unit_id=data.get("unit_id"),
        signer_id=data.get("signer_id"),
        **{k: data[k] for k in PLAN_ATTRIBUTES if k in data},
    )
    db.add(campaign)
    db.flush()
    return campaign


def update(db: Session, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Edit the plan's fields; issued documents keep their own frozen copy."""
    if campaign.stage == Stage.ARCHIVED:
        raise Conflict(["Hồ sơ đã lưu trữ, không thể sửa"])
    errors = _references(db, data)
    if errors:
        raise Invalid(errors)
    for key in (*PLAN_ATTRIBUTES, "unit_id", "signer_id"):
        if key in data:
            setattr(campaign, key, data[key])
    db.flush()
    return campaign


def add_target(db: Session, campaign: Campaign, office_id: int, commune_id: int | None) -> Target:
    if Stage(campaign.stage) not in (Stage.PLAN_DRAFTED, Stage.PLAN_ISSUED, Stage.TEAM_DECIDED):
        raise Conflict(["Đã thông báo lịch kiểm tra: không thể thêm đơn vị"])
    errors = {}
    if db.get(Organisation, office_id) is None:
        errors["office_id"] = "Không tồn tại"
    if commune_id is not None and db.get(Organisation, commune_id) is None:
        errors["commune_id"] = "Không tồn tại"
    if any(t.office_id == office_id for t in campaign.targets):
        errors["office_id"] = "Đơn vị đã có trong kế hoạch"
    if errors:
        raise Invalid(errors)
    target = Target(office_id=office_id, commune_id=commune_id, position=len(campaign.targets))
    campaign.targets.append(target)
    db.flush()
    return target


def add_member(db: Session, campaign: Campaign, person_id: int, role: str) -> TeamMember:
    errors = {}
    if role not in TEAM_ROLES:
        errors["role"] = f"Vai trò phải là một trong: {', '.join(TEAM_ROLES)}"
    if db.get(Person, person_id) is None:
        errors["person_id"] = "Không tồn tại"
    elif any(m.person_id == person_id for m in campaign.members):
        errors["person_id"] = "Người này đã có trong Đoàn"
    if role == "truong_doan" and any(m.role == "truong_doan" for m in campaign.members):
        errors["role"] = "Đoàn đã có Trưởng đoàn"
    if errors:
        raise Invalid(errors)
    member = TeamMember(person_id=person_id, role=role)
    campaign.members.append(member)
    db.flush()
    return member


def create_organisation(db: Session, data: dict[str, Any]) -> Organisation:
    if data.get("parent_id") is not None and db.get(Organisation, data["parent_id"]) is None:
        raise Invalid({"parent_id": "Không tồn tại"})
    org = Organisation(**data)
    db.add(org)
    db.flush()
    return org


def find_organisation(db: Session, code: str) -> Organisation | None:
    return db.scalar(select(Organisation).where(Organisation.code == code))


def update_organisation(db: Session, org: Organisation, data: dict[str, Any]) -> Organisation:
    """Edit an organisation; a parent may not be the organisation itself or below it."""
    parent_id = data.get("parent_id")
    if parent_id is not None:
        node = db.get(Organisation, parent_id)
        if node is None:
            raise Invalid({"parent_id": "Không tồn tại"})
        while node is not None:
            if node.id == org.id:
                raise Invalid({"parent_id": "Không thể đặt đơn vị cấp dưới làm cấp trên"})
            node = node.parent
    for key, value in data.items():
        setattr(org, key, value)
    db.flush()
    return org


def add_contact(db: Session, org: Organisation, data: dict[str, Any]) -> Contact:
    contact = Contact(**data)
    org.contacts.append(contact)
    db.flush()
    return contact


def create_person(db: Session, data: dict[str, Any]) -> Person:
    if (
        data.get("organisation_id") is not None
        and db.get(Organisation, data["organisation_id"]) is None
    ):
        raise Invalid({"organisation_id": "Không tồn tại"})
    person = Person(**data)
    db.add(person)
    db.flush()
    return person


def create_signer(db: Session, data: dict[str, Any]) -> Signer:
    if db.get(Person, data["person_id"]) is None:
        raise Invalid({"person_id": "Không tồn tại"})
    signer = Signer(**data)
    db.add(signer)
    db.flush()
    return signer
