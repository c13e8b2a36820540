"""Create and edit campaigns, organisations, people, targets and the team.

Each public function is one use case: it is handed the Caller, checks the permission, validates,
changes the database in the caller's transaction and returns what it changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.commands import checks, versions
from service.commands.caller import Caller
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
from workflows import inspection, presets, signing
from workflows.lifecycle import Stage
from workflows.vocabulary import PLAN_FIELDS, TeamRole, VisitStatus

PLAN_ATTRIBUTES = tuple(f.name for f in PLAN_FIELDS)
# Every field of the campaign's own a user edits: the plan's text and the inspection it defines.
# `signing`: the campaign's own signing order per kind (workflows.signing), where it differs.
CAMPAIGN_ATTRIBUTES = (*PLAN_ATTRIBUTES, *inspection.INSPECTION_FIELDS, "indicators", "signing")
# Who signs for whom (Nghị định 30): none for the head, then TM., KT., Q., TL., TUQ.
AUTHORITY_PREFIXES = ("", "TM.", "KT.", "Q.", "TL.", "TUQ.")
# What is printed as a name or a title: invisible characters are refused in them.
CAMPAIGN_NAMES = ("title", "subject_lines")
ORGANISATION_NAMES = tuple(
    column.key
    for column in (
        Organisation.name,
        Organisation.header_name,
        Organisation.code,
        Organisation.place_name,
        Organisation.district,
    )
)


def get(db: Session, model: type[Any], ident: int, what: str) -> Any:
    row = db.get(model, ident)
    if row is None:
        raise NotFound(what, ident)
    return row


def get_campaign(db: Session, campaign_id: int) -> Campaign:
    result: Campaign = get(db, Campaign, campaign_id, "kế hoạch kiểm tra")
    return result


def plan_problems(db: Session, data: dict[str, Any]) -> dict[str, str]:
    """What refers to nothing, and text, indicators or a year the plan cannot hold."""
    errors = inspection.problems(data)
    errors.update(checks.problems(Campaign, data, names=CAMPAIGN_NAMES))
    order = data.get("signing")
    problems = signing.order_problems(order) if isinstance(order, dict) else []
    if order is not None and not isinstance(order, dict):
        problems = ["Thứ tự ký phải là một bảng theo loại văn bản"]
    if problems:
        errors["signing"] = "; ".join(problems)
    for key, model in (
        ("issuer_id", Organisation),
        ("unit_id", Organisation),
        ("signer_id", Signer),
    ):
        if data.get(key) is not None and db.get(model, data[key]) is None:
            errors[key] = "Không tồn tại"
    return errors


def create(db: Session, caller: Caller, data: dict[str, Any]) -> Campaign:
    """A new draft plan: empty, from a programme preset (`preset`: its slug) or as a copy of an
    earlier campaign (`copy_from`: its id); the fields given in `data` win over either."""
    caller.require("campaign.create")
    source = _copy_source(db, caller, data)
    fields = {
        **(_copied_fields(source, data.get("year")) if source else _preset_fields(data)),
        **{k: data[k] for k in CAMPAIGN_ATTRIBUTES if k in data},
    }
    for key in ("issuer_id", "unit_id", "signer_id"):
        fields[key] = data[key] if key in data else getattr(source, key, None)
    errors = plan_problems(db, fields)
    for key, message in (
        ("issuer_id", "Cần chọn cơ quan ban hành"),
        ("year", "Cần nhập năm"),
        ("title", "Cần nhập tên kế hoạch"),
    ):
        if fields.get(key) in (None, ""):
            errors.setdefault(key, message)
    if errors:
        raise Invalid(errors)
    campaign = Campaign(**fields)
    if source is not None:
        campaign.targets = [
            Target(office_id=t.office_id, commune_id=t.commune_id, position=t.position)
            for t in source.targets
        ]
        campaign.members = [TeamMember(person_id=m.person_id, role=m.role) for m in source.members]
    db.add(campaign)
    db.flush()
    return campaign


def _copy_source(db: Session, caller: Caller, data: dict[str, Any]) -> Campaign | None:
    """The campaign to copy (one the caller may see), if any."""
    if data.get("copy_from") is None:
        return None
    if data.get("preset"):
        raise Invalid({"copy_from": "Chọn một cách bắt đầu: theo mẫu chương trình hoặc sao chép"})
    source = db.get(Campaign, data["copy_from"])
    if source is None or not caller.can("campaign.view", source):
        raise Invalid({"copy_from": "Không tồn tại"})
    return source


def _preset_fields(data: dict[str, Any]) -> dict[str, Any]:
    slug = data.get("preset")
    if not slug:
        return {}
    try:
        return presets.campaign_fields(slug, data.get("year") or 0)
    except presets.UnknownPreset:
        raise Invalid({"preset": f"Không có mẫu chương trình «{slug}»"}) from None


def _copied_fields(source: Campaign, year: int | None) -> dict[str, Any]:
    """The plan and its inspection as the earlier campaign had them, without its report's
    sections; "năm <its year>" in the title, the subject, the programme and the time window now
    names the new year."""
    fields = {
        key: getattr(source, key)
        for key in CAMPAIGN_ATTRIBUTES
        if key not in ("year", "report_sections")
    }
    if year is not None:
        old, new = f"năm {source.year}", f"năm {year}"
        for key in ("title", "programme", "time_window"):
            fields[key] = fields[key].replace(old, new)
        fields["subject_lines"] = [line.replace(old, new) for line in fields["subject_lines"]]
    return fields


CLOSED = (
    "Kế hoạch đã lập hồ sơ lưu trữ: không thể thay đổi kế hoạch, đơn vị được kiểm tra, "
    "Đoàn kiểm tra, lịch, kết quả kiểm tra hay văn bản"
)


def ensure_open(campaign: Campaign) -> None:
    """Refuse any change to an archived campaign: its case file is what was filed."""
    if campaign.stage == Stage.ARCHIVED:
        raise Conflict([CLOSED])


def update(
    db: Session,
    caller: Caller,
    campaign_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Campaign:
    """Edit the plan's fields; issued documents keep their own frozen copy. With the version
    the edit is based on, refused (nothing written) once the campaign has another."""
    campaign = get_campaign(db, campaign_id)
    caller.require("campaign.edit", campaign)
    ensure_open(campaign)
    versions.check(db, caller, campaign, expected_version)
    errors = plan_problems(db, data)
    if "indicators" in data and not errors:
        errors.update(_removed_indicator_problems(campaign, data["indicators"]))
    if errors:
        raise Invalid(errors)
    for key in (*CAMPAIGN_ATTRIBUTES, "unit_id", "signer_id"):
        if key in data:
            setattr(campaign, key, data[key])
    db.flush()
    return campaign


def _removed_indicator_problems(campaign: Campaign, items: list[dict[str, Any]]) -> dict[str, str]:
    """An indicator a held visit already has figures for cannot be removed."""
    kept = {item["key"] for item in items}
    labels = {item["key"]: item["label"] for item in campaign.indicators}
    for target in campaign.targets:
        visit = target.visit
        if visit is None or visit.status != VisitStatus.HELD:
            continue
        for key in visit.statistics:
            if key not in kept:
                return {
                    "indicators": f"Không thể bỏ chỉ tiêu «{labels.get(key, key)}» ({key}): "
                    f"đã có số liệu của {target.office.name}"
                }
    return {}


def add_target(
    db: Session, caller: Caller, campaign_id: int, office_id: int, commune_id: int | None
) -> Target:
    """Add a district office to inspect, with the commune chosen in its district (or later)."""
    campaign = get_campaign(db, campaign_id)
    caller.require("campaign.edit", campaign)
    ensure_open(campaign)
    if Stage(campaign.stage) not in (Stage.PLAN_DRAFTED, Stage.PLAN_ISSUED, Stage.TEAM_DECIDED):
        raise Conflict(["Đã thông báo lịch kiểm tra: không thể thêm đơn vị"])
    errors = {}
    office = db.get(Organisation, office_id)
    commune = db.get(Organisation, commune_id) if commune_id is not None else None
    if office is None:
        errors["office_id"] = "Không tồn tại"
    if commune_id is not None and commune is None:
        errors["commune_id"] = "Không tồn tại"
    elif office is not None and commune is not None and commune.district != office.district:
        errors["commune_id"] = f"Xã, phường được chọn không thuộc {office.district}"
    if any(t.office_id == office_id for t in campaign.targets):
        errors["office_id"] = "Đơn vị đã có trong kế hoạch"
    if errors:
        raise Invalid(errors)
    target = Target(office_id=office_id, commune_id=commune_id, position=len(campaign.targets))
    campaign.targets.append(target)
    db.flush()
    return target


def add_member(
    db: Session, caller: Caller, campaign_id: int, person_id: int, role: str
) -> TeamMember:
    campaign = get_campaign(db, campaign_id)
    caller.require("campaign.edit", campaign)
    ensure_open(campaign)
    errors = {}
    if role not in TeamRole.values():
        errors["role"] = f"Vai trò phải là một trong: {', '.join(TeamRole.values())}"
    if db.get(Person, person_id) is None:
        errors["person_id"] = "Không tồn tại"
    elif any(m.person_id == person_id for m in campaign.members):
        errors["person_id"] = "Người này đã có trong Đoàn"
    if role == TeamRole.LEADER and any(m.role == TeamRole.LEADER for m in campaign.members):
        errors["role"] = "Đoàn đã có Trưởng đoàn"
    if errors:
        raise Invalid(errors)
    member = TeamMember(person_id=person_id, role=role)
    campaign.members.append(member)
    db.flush()
    return member


def get_organisation(db: Session, org_id: int) -> Organisation:
    result: Organisation = get(db, Organisation, org_id, "cơ quan, đơn vị")
    return result


def create_organisation(db: Session, caller: Caller, data: dict[str, Any]) -> Organisation:
    caller.require("directory.edit")
    data = checks.checked(Organisation, data, names=ORGANISATION_NAMES, emails=("email",))
    if data.get("parent_id") is not None and db.get(Organisation, data["parent_id"]) is None:
        raise Invalid({"parent_id": "Không tồn tại"})
    org = Organisation(**data)
    db.add(org)
    db.flush()
    return org


def find_organisation(db: Session, code: str) -> Organisation | None:
    return db.scalar(select(Organisation).where(Organisation.code == code))


def update_organisation(
    db: Session,
    caller: Caller,
    org_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Organisation:
    """Edit an organisation; a parent may not be the organisation itself or below it. With the
    version the edit is based on, refused once the organisation has another."""
    caller.require("directory.edit")
    org = get_organisation(db, org_id)
    versions.check(db, caller, org, expected_version)
    data = checks.checked(Organisation, data, names=ORGANISATION_NAMES, emails=("email",))
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


def add_contact(db: Session, caller: Caller, org_id: int, data: dict[str, Any]) -> Contact:
    caller.require("directory.edit")
    org = get_organisation(db, org_id)
    if not str(data.get("email") or "").strip():
        raise Invalid({"email": "Cần nhập địa chỉ thư điện tử của người nhận"})
    data = checks.checked(Contact, data, names=("name", "role"), emails=("email",))
    contact = Contact(**data)
    org.contacts.append(contact)
    db.flush()
    return contact


def create_person(db: Session, caller: Caller, data: dict[str, Any]) -> Person:
    caller.require("directory.edit")
    data = checks.checked(Person, data, names=("full_name", "position"), emails=("email",))
    if (
        data.get("organisation_id") is not None
        and db.get(Organisation, data["organisation_id"]) is None
    ):
        raise Invalid({"organisation_id": "Không tồn tại"})
    person = Person(**data)
    db.add(person)
    db.flush()
    return person


def create_signer(db: Session, caller: Caller, data: dict[str, Any]) -> Signer:
    caller.require("directory.edit")
    data = checks.checked(Signer, data, names=("authority_title", "position_title"))
    if db.get(Person, data["person_id"]) is None:
        raise Invalid({"person_id": "Không tồn tại"})
    signer = Signer(**data)
    db.add(signer)
    db.flush()
    return signer
