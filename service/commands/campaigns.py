"""Create and edit campaigns, organisations, people, targets and the team.

Each public function is one use case: it is handed the Caller, checks the permission, validates,
changes the database in the caller's transaction and returns what it changed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.commands import checks, versions
from service.commands.caller import Caller
from service.errors import Conflict, Invalid, NotFound
from service.models import (
    Campaign,
    Contact,
    Document,
    Organisation,
    Person,
    Signer,
    Target,
    TeamMember,
)
from workflows import inspection, presets, signing
from workflows.documents import KINDS
from workflows.lifecycle import Stage
from workflows.vocabulary import PLAN_FIELDS, DocumentStatus, TeamRole, VisitStatus

PLAN_ATTRIBUTES = tuple(f.name for f in PLAN_FIELDS)
# Every field of the campaign's own a user edits: the plan's text and the inspection it defines.
# `signing`: the campaign's own signing order per kind (workflows.signing), where it differs.
CAMPAIGN_ATTRIBUTES = (*PLAN_ATTRIBUTES, *inspection.INSPECTION_FIELDS, "indicators", "signing")
# Who signs for whom (Nghị định 30): none for the head, then TM., KT., Q., TL., TUQ.
AUTHORITY_PREFIXES = ("", "TM.", "KT.", "Q.", "TL.", "TUQ.")
# What documents print: characters they cannot carry (invisible ones, emoji) are refused.
CAMPAIGN_NAMES = tuple(key for key in CAMPAIGN_ATTRIBUTES if key != "signing")
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
    campaign = _open_campaign(db, caller, campaign_id)
    if Stage(campaign.stage) not in (Stage.PLAN_DRAFTED, Stage.PLAN_ISSUED, Stage.TEAM_DECIDED):
        raise Conflict(["Đã thông báo lịch kiểm tra: không thể thêm đơn vị"])
    errors = _target_problems(db, campaign, office_id, commune_id)
    if errors:
        raise Invalid(errors)
    target = Target(office_id=office_id, commune_id=commune_id, position=len(campaign.targets))
    campaign.targets.append(target)
    db.flush()
    return target


def update_target(
    db: Session,
    caller: Caller,
    campaign_id: int,
    target_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Target:
    """Change a target's office or commune (`office_id`, `commune_id`; a key left out is kept).
    A commune left "Chọn sau" may be chosen until the visit has taken place; the office, or a
    commune already chosen, no longer changes once the visit is scheduled or a document for the
    target issued, since those name them."""
    campaign = _open_campaign(db, caller, campaign_id)
    target = get_part(db, campaign, Target, target_id)
    versions.check(db, caller, target, expected_version)
    office_id = data.get("office_id", target.office_id)
    commune_id = data.get("commune_id", target.commune_id)
    errors = _target_problems(db, campaign, office_id, commune_id, target)
    if errors:
        raise Invalid(errors)
    visit = target.visit
    if office_id != target.office_id:
        _refuse("Không thể đổi đơn vị", target, _target_ties(db, target))
    if commune_id != target.commune_id:
        if target.commune_id is not None:
            ties = _target_ties(db, target)
        elif visit is not None and visit.status != VisitStatus.SCHEDULED:
            ties = [f"cuộc kiểm tra đã kết thúc ({VisitStatus.label_of(visit.status).lower()})"]
        else:
            ties = []
        _refuse("Không thể đổi đơn vị cấp xã được chọn của", target, ties)
    target.office_id, target.commune_id = office_id, commune_id
    db.flush()
    return target


def remove_target(
    db: Session,
    caller: Caller,
    campaign_id: int,
    target_id: int,
    expected_version: int | None = None,
) -> None:
    """Take a target out of the plan, unless its visit is scheduled or a document was drawn up
    for it; the others keep their order."""
    campaign = _open_campaign(db, caller, campaign_id)
    target = get_part(db, campaign, Target, target_id)
    versions.check(db, caller, target, expected_version)
    _refuse("Không thể xóa đơn vị", target, _target_ties(db, target))
    campaign.targets.remove(target)
    for position, kept in enumerate(campaign.targets):
        if kept.position != position:
            kept.position = position
    db.flush()


def _open_campaign(db: Session, caller: Caller, campaign_id: int) -> Campaign:
    """The campaign whose plan, targets or team the caller edits, unless it is archived."""
    campaign = get_campaign(db, campaign_id)
    caller.require("campaign.edit", campaign)
    ensure_open(campaign)
    return campaign


# How a refusal names a campaign's part that is not there.
PARTS: dict[type[Any], str] = {Target: "đơn vị được kiểm tra", TeamMember: "thành viên Đoàn"}
Part = TypeVar("Part", Target, TeamMember)


def get_part(db: Session, campaign: Campaign, model: type[Part], ident: int) -> Part:
    """A target or team member of this campaign (another campaign's is not found here)."""
    row = db.get(model, ident)
    if row is None or row.campaign_id != campaign.id:
        raise NotFound(PARTS[model], ident)
    return row


def _target_problems(
    db: Session,
    campaign: Campaign,
    office_id: int,
    commune_id: int | None,
    target: Target | None = None,
) -> dict[str, str]:
    """What the office and commune chosen for `target` (a new one if None) refer to wrongly."""
    errors = {}
    office = db.get(Organisation, office_id)
    commune = db.get(Organisation, commune_id) if commune_id is not None else None
    if office is None:
        errors["office_id"] = "Không tồn tại"
    if commune_id is not None and commune is None:
        errors["commune_id"] = "Không tồn tại"
    elif office is not None and commune is not None and commune.district != office.district:
        errors["commune_id"] = f"Xã, phường được chọn không thuộc {office.district}"
    if any(t.office_id == office_id and t is not target for t in campaign.targets):
        errors["office_id"] = "Đơn vị đã có trong kế hoạch"
    return errors


def _target_ties(db: Session, target: Target) -> list[str]:
    """What names the target as it is: its visit and the documents drawn up for it."""
    ties = []
    if target.visit is not None:
        ties.append(
            "đã xếp lịch kiểm tra (nếu không kiểm tra đơn vị này, hãy ghi nhận "
            "«Không kiểm tra» ở trang Lịch kiểm tra)"
        )
    documents = db.scalars(
        select(Document).where(Document.target_id == target.id).order_by(Document.id)
    )
    for doc in documents:
        label = KINDS[doc.kind].label
        if doc.status == DocumentStatus.DRAFT:
            ties.append(f"đã lập dự thảo {label}")
        else:
            ties.append(f"đã ban hành {label} số {doc.reference}")
    return list(dict.fromkeys(ties))


def _refuse(what: str, target: Target, ties: list[str]) -> None:
    if ties:
        raise Conflict([f"{what} {target.office.name}: {'; '.join(ties)}"])


def add_member(
    db: Session, caller: Caller, campaign_id: int, person_id: int, role: str
) -> TeamMember:
    campaign = _open_campaign(db, caller, campaign_id)
    errors = _role_problems(campaign, role)
    if db.get(Person, person_id) is None:
        errors["person_id"] = "Không tồn tại"
    elif any(m.person_id == person_id for m in campaign.members):
        errors["person_id"] = "Người này đã có trong Đoàn"
    if errors:
        raise Invalid(errors)
    member = TeamMember(person_id=person_id, role=role)
    campaign.members.append(member)
    db.flush()
    return member


def update_member(
    db: Session,
    caller: Caller,
    campaign_id: int,
    member_id: int,
    role: str,
    expected_version: int | None = None,
) -> TeamMember:
    """Change a member's role in the team, unless the decision in force names them in it."""
    campaign = _open_campaign(db, caller, campaign_id)
    member = get_part(db, campaign, TeamMember, member_id)
    versions.check(db, caller, member, expected_version)
    errors = _role_problems(campaign, role, member)
    if errors:
        raise Invalid(errors)
    if role != member.role:
        _refuse_named(db, campaign, member, "đổi vai trò của")
        member.role = role
        db.flush()
    return member


def remove_member(
    db: Session,
    caller: Caller,
    campaign_id: int,
    member_id: int,
    expected_version: int | None = None,
) -> None:
    """Take a person off the team, unless the decision in force names them."""
    campaign = _open_campaign(db, caller, campaign_id)
    member = get_part(db, campaign, TeamMember, member_id)
    versions.check(db, caller, member, expected_version)
    _refuse_named(db, campaign, member, "xóa")
    campaign.members.remove(member)
    db.flush()


def _role_problems(
    campaign: Campaign, role: str, member: TeamMember | None = None
) -> dict[str, str]:
    """A role that is none of the team's, or a second leader (`member`: the one changing)."""
    if role not in TeamRole.values():
        return {"role": f"Vai trò phải là một trong: {', '.join(TeamRole.labels().values())}"}
    others = (m for m in campaign.members if m is not member)
    if role == TeamRole.LEADER and any(m.role == TeamRole.LEADER for m in others):
        return {"role": "Đoàn đã có Trưởng đoàn"}
    return {}


def _refuse_named(db: Session, campaign: Campaign, member: TeamMember, change: str) -> None:
    """Refuse a change of the team the issued decision, the newest version of it, names: a
    correction is its next version, which the team is changed for before it is issued."""
    decision = db.scalar(
        select(Document)
        .where(Document.campaign_id == campaign.id, Document.kind == "QD")
        .order_by(Document.version.desc())
        .limit(1)
    )
    if decision is None or decision.status != DocumentStatus.ISSUED:
        return
    name = member.person.full_name
    if any(m.get("name") == name for m in decision.context.get("members", [])):
        raise Conflict(
            [
                f"Không thể {change} {name}: Quyết định thành lập Đoàn kiểm tra số "
                f"{decision.reference} đã ban hành có tên người này. Muốn thay đổi Đoàn, hãy "
                "«Lập phiên bản mới» của Quyết định (trang văn bản), sửa Đoàn rồi ban hành "
                "phiên bản mới thay thế Quyết định cũ"
            ]
        )


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


def checked_signer(
    db: Session, data: dict[str, Any], signer: Signer | None = None
) -> dict[str, Any]:
    """A signer's fields (new, or changed on `signer`) once they print in a document, name a
    person and are not a capacity that person already signs in (one block, not two)."""
    data = checks.checked(Signer, data, names=("authority_title", "position_title"))
    merged = {
        "person_id": signer.person_id if signer else None,
        "authority_prefix": signer.authority_prefix if signer else "",
        "authority_title": signer.authority_title if signer else "",
        **data,
    }
    if merged["authority_prefix"] not in AUTHORITY_PREFIXES:
        raise Invalid({"authority_prefix": "Chọn thẩm quyền ký (KT., TL., …)"})
    if "position_title" in data and not str(data["position_title"]).strip():
        raise Invalid({"position_title": "Cần nhập chức vụ người ký"})
    if merged["person_id"] is None or db.get(Person, merged["person_id"]) is None:
        raise Invalid({"person_id": "Không tồn tại"})
    same = select(Signer.id).where(
        Signer.person_id == merged["person_id"],
        Signer.authority_prefix == merged["authority_prefix"],
        Signer.authority_title == merged["authority_title"],
    )
    if signer is not None:
        same = same.where(Signer.id != signer.id)
    if db.scalar(same) is not None:
        raise Invalid({"authority_title": "Người này đã có chức danh ký với thẩm quyền này"})
    return data


def create_signer(db: Session, caller: Caller, data: dict[str, Any]) -> Signer:
    caller.require("directory.edit")
    signer = Signer(**checked_signer(db, data))
    db.add(signer)
    db.flush()
    return signer
