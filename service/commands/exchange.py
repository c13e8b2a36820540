"""A campaign as one JSON document, and a new draft campaign from one (README "Export format").

The document names organisations by their code and people by name and organisation, so that it
can be read, edited and imported into another database that has the same directory. An import
checks the whole document first and writes nothing when any part of it is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.commands import campaigns
from service.commands.caller import Caller
from service.errors import Invalid
from service.models import Campaign, Organisation, Person, Signer, Target, TeamMember
from workflows import inspection, limits, text
from workflows.vocabulary import INSPECTION, PLAN_BODY, TeamRole

FORMAT_VERSION = 1
# The campaign's own fields, exported as they are stored (contents are reshaped, see below).
PLAIN_FIELDS = tuple(
    key for key in campaigns.CAMPAIGN_ATTRIBUTES if key not in ("contents", "contact_phone")
)
ISSUER = Campaign.issuer.key  # by its code
# The document's keys, in the order it is written (README "Export format").
KEYS = (
    "title",
    "programme",
    "year",
    "subject_lines",
    *PLAN_BODY,
    *INSPECTION,
    "targets",
    "team",
    "contact",
    "recipients",
    "report_sections",
    "signer",
    ISSUER,
    "format_version",
)
NAME_LIMIT = 200  # a person's name and position, a signer's titles (their columns)
ROLES = ", ".join(TeamRole.values())
NOT_FOUND = "Không có đơn vị mã «{code}» trong danh bạ"


def export(db: Session, caller: Caller, campaign_id: int) -> dict[str, Any]:
    """The campaign's plan, inspection, targets, team and signer, as an import reads them."""
    campaign = campaigns.get_campaign(db, campaign_id)
    caller.require("campaign.view", campaign)
    caller.require("campaign.edit", campaign)  # the whole plan: the office's, not a district's
    signer = campaign.signer
    document = {
        "format_version": FORMAT_VERSION,
        **{key: getattr(campaign, key) for key in PLAIN_FIELDS},
        "contents": [
            {
                "number": item.get("number", i + 1),
                "title": item["title"],
                "text": inspection.content_text(item),
                "run_in": bool(item.get("run_in")),
            }
            for i, item in enumerate(campaign.contents)
        ],
        "targets": [
            {"office": t.office.code, "sub_unit": t.commune.code if t.commune else None}
            for t in campaign.targets
        ],
        "team": [
            {
                "name": m.person.full_name,
                "position": m.person.position,
                "organisation": _code(m.person.organisation),
                "role": m.role,
            }
            for m in campaign.members
        ],
        "contact": {"phone": campaign.contact_phone, "unit": _code(campaign.unit)},
        "signer": None
        if signer is None
        else {
            "name": signer.person.full_name,
            "position_title": signer.position_title,
            "authority_prefix": signer.authority_prefix,
            "authority_title": signer.authority_title,
        },
        ISSUER: campaign.issuer.code,
    }
    return {key: document[key] for key in KEYS}


def _code(org: Organisation | None) -> str | None:
    return org.code if org is not None else None


def import_(db: Session, caller: Caller, data: object) -> Campaign:
    """A new draft campaign from an exported document; Invalid naming each wrong field path
    ("targets.2.office", "indicators.3.parent") and nothing written when any is wrong."""
    caller.require("campaign.create")
    if not isinstance(data, Mapping):
        raise Invalid({"": "Tài liệu nhập phải là một đối tượng JSON"})
    document: dict[str, Any] = _cleaned(data)
    reader = _Reader(db)
    fields = reader.plan(document)
    targets = reader.targets(document.get("targets", []))
    team = reader.team(document.get("team", []))
    if reader.errors:
        raise Invalid(reader.errors)
    campaign = campaigns.create(db, caller, fields)
    campaign.targets = [
        Target(office_id=office.id, commune_id=sub.id if sub else None, position=i)
        for i, (office, sub) in enumerate(targets)
    ]
    campaign.members = [
        TeamMember(person=reader.person(name, position, org), role=role)
        for name, position, org, role in team
    ]
    campaign.signer = reader.signer(document.get("signer"), fields["issuer_id"])
    db.flush()
    return campaign


def _cleaned(value: Any) -> Any:
    """Text as stored (NFC, no XML-illegal characters), as the API's own fields clean it."""
    if isinstance(value, str):
        return text.clean_text(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _cleaned(item) for key, item in value.items()}
    return value


class _Reader:
    """Reads the parts of an import, gathering a message per wrong field path."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.errors: dict[str, str] = {}
        self.people: dict[tuple[str, int | None], Person] = {}

    def organisation(self, code: object, at: str, required: bool = True) -> Organisation | None:
        if code is None and not required:
            return None
        if not isinstance(code, str) or not code.strip():
            self.errors[at] = "Cần mã đơn vị"
            return None
        org = campaigns.find_organisation(self.db, code)
        if org is None:
            self.errors[at] = NOT_FOUND.format(code=code)
        return org

    def plan(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The campaign's fields for `campaigns.create`, checked by it and here."""
        for key in data:
            if key not in KEYS:
                self.errors[key] = "Trường không có trong định dạng xuất, nhập"
        if data.get("format_version") != FORMAT_VERSION:
            self.errors["format_version"] = f"Phiên bản định dạng phải là {FORMAT_VERSION}"
        fields = {key: data[key] for key in PLAIN_FIELDS if key in data}
        fields["contents"] = self.contents(data.get("contents", []))
        contact = data.get("contact") or {}
        if not isinstance(contact, Mapping):
            self.errors["contact"] = "Phải là một đối tượng (phone, unit)"
            contact = {}
        fields["contact_phone"] = contact.get("phone") or ""
        if not isinstance(fields["contact_phone"], str):
            self.errors["contact.phone"] = inspection.TEXT_REQUIRED
        unit = self.organisation(contact.get("unit"), "contact.unit", required=False)
        issuer = self.organisation(data.get(ISSUER), ISSUER)
        fields["unit_id"] = unit.id if unit else None
        fields["issuer_id"] = issuer.id if issuer else None
        problems = campaigns.plan_problems(self.db, {**fields, "issuer_id": None})
        for key, message in problems.items():
            self.errors.setdefault(_export_path(key), message)
        if not isinstance(fields.get("title"), str) or not fields["title"].strip():
            self.errors.setdefault("title", "Cần nhập tên kế hoạch")
        self._check_signer(data.get("signer"))
        return fields

    def contents(self, items: object) -> Any:
        """Contents as the plan stores them (paragraphs); refused as a whole when not a list."""
        if not isinstance(items, list):
            return items  # the plan check names it
        stored: list[Any] = []
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                stored.append(item)
                continue
            body = item.get("text", "")
            if not isinstance(body, str):
                self.errors[f"contents.{i}.text"] = inspection.TEXT_REQUIRED
                body = ""
            stored.append(
                {
                    "number": item.get("number", i + 1),
                    "title": item.get("title"),
                    "run_in": item.get("run_in", False),
                    "paragraphs": inspection.content_paragraphs(body),
                }
            )
        return stored

    def targets(self, items: object) -> list[tuple[Organisation, Organisation | None]]:
        """(office, chosen sub-unit) pairs: known codes, one target an office, in one district."""
        if not isinstance(items, list):
            self.errors["targets"] = "Phải là danh sách đơn vị được kiểm tra"
            return []
        found: list[tuple[Organisation, Organisation | None]] = []
        for i, item in enumerate(items):
            at = f"targets.{i}"
            if not isinstance(item, Mapping):
                self.errors[at] = "Mỗi đơn vị là một đối tượng (office, sub_unit)"
                continue
            office = self.organisation(item.get("office"), f"{at}.office")
            sub = self.organisation(item.get("sub_unit"), f"{at}.sub_unit", required=False)
            if office is None:
                continue
            if any(office.id == seen.id for seen, _ in found):
                self.errors[f"{at}.office"] = "Đơn vị đã có trong kế hoạch"
            elif sub is not None and sub.district != office.district:
                self.errors[f"{at}.sub_unit"] = f"Đơn vị được chọn không thuộc {office.district}"
            else:
                found.append((office, sub))
        return found

    def team(self, items: object) -> list[tuple[str, str, Organisation | None, str]]:
        """(name, position, organisation, role) of each member: one leader, no one twice."""
        if not isinstance(items, list):
            self.errors["team"] = "Phải là danh sách thành viên Đoàn"
            return []
        found: list[tuple[str, str, Organisation | None, str]] = []
        for i, item in enumerate(items):
            at = f"team.{i}"
            if not isinstance(item, Mapping):
                self.errors[at] = "Mỗi thành viên là một đối tượng (name, organisation, role…)"
                continue
            name = self._name(item.get("name"), f"{at}.name", required=True)
            position = self._name(item.get("position"), f"{at}.position")
            org = self.organisation(item.get("organisation"), f"{at}.organisation", required=False)
            role = item.get("role")
            if role not in TeamRole.values():
                self.errors[f"{at}.role"] = f"Vai trò phải là một trong: {ROLES}"
            elif role == TeamRole.LEADER and any(r == TeamRole.LEADER for *_, r in found):
                self.errors[f"{at}.role"] = "Đoàn đã có Trưởng đoàn"
            if any((n, o) == (name, org) for n, _, o, _ in found):
                self.errors[f"{at}.name"] = "Người này đã có trong Đoàn"
            if name and isinstance(role, str):
                found.append((name, position or "", org, role))
        return found

    def _name(self, value: object, at: str, required: bool = False) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.errors[at] = "Cần nhập" if required else inspection.TEXT_REQUIRED
            return None
        problem = limits.length_problem(value, NAME_LIMIT) or text.invisible_problem(value)
        if problem:
            self.errors[at] = problem
            return None
        return value.strip()

    def _check_signer(self, signer: object) -> None:
        if signer is None:
            return
        if not isinstance(signer, Mapping):
            self.errors["signer"] = "Phải là một đối tượng (name, position_title, …)"
            return
        self._name(signer.get("name"), "signer.name", required=True)
        self._name(signer.get("position_title"), "signer.position_title", required=True)
        self._name(signer.get("authority_title"), "signer.authority_title")
        if signer.get("authority_prefix", "") not in campaigns.AUTHORITY_PREFIXES:
            prefixes = ", ".join(p for p in campaigns.AUTHORITY_PREFIXES if p)
            self.errors["signer.authority_prefix"] = f"Phải để trống hoặc là một trong: {prefixes}"

    def person(self, name: str, position: str, org: Organisation | None) -> Person:
        """The directory's person of this name in this organisation, added when missing."""
        key = (name, org.id if org else None)
        if key not in self.people:
            person = self.db.scalar(
                select(Person)
                .where(Person.full_name == name, Person.organisation_id == key[1])
                .order_by(Person.id)
            )
            if person is None:
                person = Person(full_name=name, position=position, organisation=org)
                self.db.add(person)
            self.people[key] = person
        return self.people[key]

    def signer(self, data: Mapping[str, Any] | None, issuer_id: int) -> Signer | None:
        """The signer with these titles, or one made for the person of that name."""
        if data is None:
            return None
        prefix, title = data.get("authority_prefix", ""), data.get("authority_title") or ""
        found = self.db.scalar(
            select(Signer)
            .join(Signer.person)
            .where(
                Person.full_name == data["name"].strip(),
                Signer.authority_prefix == prefix,
                Signer.authority_title == title,
                Signer.position_title == data["position_title"].strip(),
            )
            .order_by(Signer.id)
        )
        if found is not None:
            return found
        issuer = self.db.get(Organisation, issuer_id)
        person = self.person(data["name"].strip(), data["position_title"].strip(), issuer)
        signer = Signer(
            person=person,
            authority_prefix=prefix,
            authority_title=title,
            position_title=data["position_title"].strip(),
        )
        self.db.add(signer)
        return signer


def _export_path(key: str) -> str:
    """The import's name for a campaign field a check named ("contact_phone" is "contact.phone")."""
    return "contact.phone" if key == "contact_phone" else key
