"""Who receives each kind of document: one rule gives the printed Nơi nhận block and the e-mails.

A rule is a list of routes. A route is a printed line and a selector naming the organisations or
people that line stands for ("UBND các huyện, thành phố (PHCĐ)" stands for every district
people's committee). The service reads the agency tree into a `Directory` (plain data); `route`
resolves a rule against it into a `Routing`, whose `printed()` is the block in the document and
whose `mailing()` is one recipient per e-mail address. What has no address (a unit without a
mailbox, the filing copy "Lưu: VT, …") is printed and not mailed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# An RFC 5322 addr-spec in its dot-atom form (no quoted local parts, no address literals), with a
# host name that has a top-level domain: the only form every mail system along the way accepts.
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ADDRESS = re.compile(
    rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?:{_LABEL}\.)+[a-z]{{2,63}}", re.IGNORECASE | re.ASCII
)
MALFORMED = "địa chỉ thư điện tử không hợp lệ"
MAX_ADDRESS = 254  # RFC 5321: the longest path a mail server must accept
_NOTE = re.compile(r"\s*\([^()]*\)\s*$")  # "(PHCĐ)", "(TH)", "(b/c)": what the copy is for


def address_problem(address: str) -> str | None:
    """Why `address` (surrounding spaces aside) is not one mailbox we can send to, or None.

    A line break would end the header it is put in, a comma or semicolon adds recipients nobody
    sees in the form, and an address the mail server refuses is never delivered.
    """
    text = address.strip()
    if "\r" in text or "\n" in text:
        return "Địa chỉ thư điện tử không được chứa dấu xuống dòng"
    if "," in text or ";" in text:
        return "Chỉ nhập một địa chỉ thư điện tử, không nhập danh sách"
    if len(text) > MAX_ADDRESS:
        return f"Địa chỉ thư điện tử tối đa {MAX_ADDRESS} ký tự"
    match = _ADDRESS.fullmatch(text)
    if match is None or len(match["local"]) > 64:
        return "Địa chỉ thư điện tử không hợp lệ (dạng ten@donvi.gov.vn)"
    return None


def normal_address(address: str | None) -> str | None:
    """The address to mail, lower-cased, or None when it is missing or malformed."""
    text = (address or "").strip()
    return text.lower() if text and address_problem(text) is None else None


@dataclass(frozen=True)
class Recipient:
    """One mailbox a document is e-mailed to."""

    name: str
    address: str
    organisation_id: int | None = None


@dataclass(frozen=True)
class Org:
    """An organisation as the rules see it: its own mailbox and its named contacts."""

    id: int
    name: str
    code: str = ""
    email: str | None = None
    district: str = ""
    contacts: tuple[Recipient, ...] = ()
    place: str = ""  # where it sits ("Lạng Sơn"), which a line may leave out

    @property
    def mailboxes(self) -> tuple[Recipient, ...]:
        own = (Recipient(self.name, self.email, self.id),) if self.email else ()
        return (*own, *self.contacts)

    @property
    def in_city(self) -> bool:
        """A city (thành phố, thị xã) rather than a rural district (huyện)."""
        return self.district.casefold().startswith(("thành phố", "thị xã"))


Holder = Org | Recipient  # one copy of the document: an organisation or a person


@dataclass(frozen=True)
class TargetOrgs:
    """An inspected office and the sub-unit it chose (the campaign's `sub_unit_label`)."""

    office: Org
    commune: Org | None = None


@dataclass(frozen=True)
class Directory:
    """Everything a rule can name, for one document."""

    issuer: Org
    filing_unit: str
    governing: Org | None = None
    agencies: tuple[Org, ...] = ()  # the governing body's other agencies (a steering committee)
    unit: Org | None = None  # the unit in charge of the campaign
    units: tuple[Org, ...] = ()  # the issuer's internal units
    leaders: tuple[Recipient, ...] = ()  # Lãnh đạo Sở
    team: tuple[Recipient, ...] = ()  # the inspection team
    committees: tuple[Org, ...] = ()  # every district people's committee of the province
    offices: tuple[Org, ...] = ()  # every district labour office of the province
    targets: tuple[TargetOrgs, ...] = ()  # the targets the document is about

    def organisations(self) -> Iterable[Org]:
        singles = (self.issuer, self.governing, self.unit)
        yield from (org for org in singles if org is not None)
        yield from self.agencies
        yield from self.units
        yield from self.committees
        yield from self.offices
        for target in self.targets:
            yield from (org for org in (target.office, target.commune) if org is not None)


def _some(*orgs: Org | None) -> tuple[Org, ...]:
    return tuple(org for org in orgs if org is not None)


def _addressees(d: Directory, _arg: str) -> tuple[Holder, ...]:
    """ "Như trên": the offices and communes the notice is addressed to."""
    return tuple(org for t in d.targets for org in _some(t.office, t.commune))


def _article_3(d: Directory, _arg: str) -> tuple[Holder, ...]:
    """ "Như Điều 3": the unit in charge, the inspected offices and the team members."""
    return (*_some(d.unit), *(t.office for t in d.targets), *d.team)


def _unit_codes(text: str) -> list[str]:
    return [part.strip().removeprefix("Phòng ").strip().casefold() for part in text.split(",")]


def _province_name(org: Org) -> str:
    """A province-level name without the province ("Ban Chỉ đạo tỉnh" for "… tỉnh Lạng Sơn")."""
    return _phrase(org.name.removesuffix(org.place)) if org.place else ""


_CODE_SEPARATORS = re.compile(r"[\s\-–_.]+")


def _code_key(text: str) -> str:
    """A code as lines write it, for comparison: "Phòng LĐTBXH TPLS" and "LĐTBXH-TPLS" alike."""
    return _CODE_SEPARATORS.sub("", _phrase(text).removeprefix("phòng "))


def _named(d: Directory, text: str) -> tuple[Holder, ...]:
    """A line naming one organisation (by name, code, its code with spaces for the hyphens
    after "Phòng": "Phòng LĐTBXH TPLS" for LĐTBXH-TPLS, or, at the province's level, by its
    name without the province's), or internal units ("VP, Phòng KH-TC")."""
    key, code = _phrase(text), _code_key(text)
    for org in d.organisations():
        if key in (_phrase(org.name), org.code.casefold()):
            return (org,)
    for org in d.organisations():
        if org.code and code == _code_key(org.code):
            return (org,)
    for org in (*_some(d.governing), *d.agencies):
        if key == _province_name(org):
            return (org,)
    codes = _unit_codes(_NOTE.sub("", text))
    return tuple(unit for unit in d.units if unit.code.casefold() in codes)


Selector = Callable[[Directory, str], tuple[Holder, ...]]

SELECTORS: dict[str, Selector] = {
    "governing": lambda d, _: _some(d.governing),
    "issuer": lambda d, _: (d.issuer,),
    "leadership": lambda d, _: d.leaders,
    "team": lambda d, _: d.team,
    "district_committees": lambda d, _: d.committees,
    "district_offices": lambda d, _: d.offices,
    "rural_offices": lambda d, _: tuple(o for o in d.offices if not o.in_city),
    "city_offices": lambda d, _: tuple(o for o in d.offices if o.in_city),
    "target_offices": lambda d, _: tuple(t.office for t in d.targets),
    "addressees": _addressees,
    "article_3": _article_3,
    "named": _named,
}


@dataclass(frozen=True)
class Route:
    """A printed line and whom it stands for; empty `text` prints one line per organisation."""

    text: str
    select: str


RULES: dict[str, tuple[Route, ...]] = {
    "QD": (
        Route("Như Điều 3", "article_3"),
        Route("Lãnh đạo Sở", "leadership"),
    ),
    "TB": (
        Route("Như trên", "addressees"),
        Route("Lãnh đạo Sở", "leadership"),
        Route("Thành viên Đoàn kiểm tra", "team"),
    ),
    "BB": (Route("", "target_offices"), Route("", "issuer")),
}

# Kinds whose Nơi nhận the campaign writes: the plan's recipients, the report's recipients.
WRITTEN = frozenset({"KH", "BC"})

# Who keeps the file copies ("Lưu: VT, <unit>."): the clerical office and the filing unit.
FILING: dict[str, tuple[str, ...]] = {"BB": ("VT", "Hồ sơ")}

# The group lines staff write in a plan's Nơi nhận, by their wording without the note in brackets.
PHRASES: dict[str, str] = {
    "ubnd tỉnh": "governing",
    "ủy ban nhân dân tỉnh": "governing",
    "ubnd các huyện, thành phố": "district_committees",
    "ủy ban nhân dân các huyện, thành phố": "district_committees",
    "phòng lđ, tb, xh-dt các huyện": "rural_offices",
    "phòng lao động, thương binh, xã hội - dân tộc các huyện": "rural_offices",
    "phòng lđtbxh thành phố": "city_offices",
    "phòng lao động, thương binh, xã hội - dân tộc các huyện, thành phố": "district_offices",
    "lãnh đạo sở": "leadership",
    "thành viên đoàn kiểm tra": "team",
}


def _phrase(text: str) -> str:
    """A line's wording for lookup: NFC, lower case, single spaces, no note, no end mark."""
    text = unicodedata.normalize("NFC", text).strip().rstrip(";.").strip()
    return " ".join(_NOTE.sub("", text).casefold().split())


def _clean_line(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().rstrip(";.").strip()


def printed_block(texts: Iterable[str], filing: Iterable[str]) -> list[str]:
    """The Nơi nhận block: `- name;` a line, ending `- Lưu: VT, <unit>.`."""
    lines = [f"- {_clean_line(text)};" for text in texts if text.strip()]
    return [*lines, f"- Lưu: {', '.join(filing)}."]


def plan_rule(lines: Iterable[str]) -> tuple[Route, ...]:
    """The rule of a written Nơi nhận: the lines staff wrote, each resolved by its wording."""
    return tuple(
        Route(_clean_line(line), PHRASES.get(_phrase(line), "named"))
        for line in lines
        if line.strip()
    )


@dataclass(frozen=True)
class Line:
    """One printed line, the mailboxes it expands to, the holders that have none and the
    mailboxes of holders reached otherwise whose stored address is malformed."""

    text: str
    recipients: tuple[Recipient, ...] = ()
    missing: tuple[str, ...] = ()
    malformed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Routing:
    """A document's Nơi nhận: printed lines and e-mail recipients from the same resolution."""

    lines: tuple[Line, ...]
    filing: tuple[str, ...]

    def printed(self) -> list[str]:
        return printed_block((line.text for line in self.lines), self.filing)

    def mailing(self) -> list[Recipient]:
        """One recipient per address, in the order of the lines; the first name given wins."""
        seen: dict[str, Recipient] = {}
        for line in self.lines:
            for recipient in line.recipients:
                address = normal_address(recipient.address)
                if address is not None and address not in seen:
                    seen[address] = Recipient(recipient.name, address, recipient.organisation_id)
        return list(seen.values())

    def unmailed(self) -> list[str]:
        """What is printed but reaches nobody by e-mail: lines and holders without an address."""
        silent = [line.text for line in self.lines if not line.recipients and not line.missing]
        missing = [name for line in self.lines for name in line.missing]
        malformed = [f"{name} ({MALFORMED})" for line in self.lines for name in line.malformed]
        return silent + missing + malformed

    def copies(self) -> int:
        """Copies: one per organisation or person reached, per unmailed name, per file copy."""
        keys = {
            f"o{r.organisation_id}" if r.organisation_id is not None else normal_address(r.address)
            for line in self.lines
            for r in line.recipients
        }
        malformed = sum(len(line.malformed) for line in self.lines)  # their holder has a copy
        return len(keys) + len(self.unmailed()) - malformed + len(self.filing)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [
                {
                    "text": line.text,
                    "recipients": [
                        {"name": r.name, "address": r.address, "organisation_id": r.organisation_id}
                        for r in line.recipients
                    ],
                    "missing": list(line.missing),
                    "malformed": list(line.malformed),
                }
                for line in self.lines
            ],
            "filing": list(self.filing),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Routing:
        return cls(
            lines=tuple(
                Line(
                    text=line["text"],
                    recipients=tuple(Recipient(**r) for r in line.get("recipients", [])),
                    missing=tuple(line.get("missing", [])),
                    malformed=tuple(line.get("malformed", [])),
                )
                for line in data.get("lines", [])
            ),
            filing=tuple(data.get("filing", ())),
        )


def _holder_line(text: str, holders: tuple[Holder, ...]) -> Line:
    recipients: list[Recipient] = []
    missing: list[str] = []
    malformed: list[str] = []
    for holder in holders:
        boxes = holder.mailboxes if isinstance(holder, Org) else (holder,)
        valid = [box for box in boxes if normal_address(box.address)]
        recipients.extend(valid)
        if not valid:
            missing.append(holder.name)
        else:
            malformed.extend(box.name for box in boxes if box not in valid)
    return Line(text, tuple(recipients), tuple(missing), tuple(malformed))


def route(kind: str, directory: Directory, written: Iterable[str] = ()) -> Routing:
    """Resolve the rule of `kind` (for the plan and the report: the `written` lines)."""
    rule = plan_rule(written) if kind in WRITTEN else RULES[kind]
    lines: list[Line] = []
    for spec in rule:
        holders = SELECTORS[spec.select](directory, spec.text)
        if spec.text:
            lines.append(_holder_line(spec.text, holders))
        else:
            lines.extend(_holder_line(holder.name, (holder,)) for holder in holders)
    filing = FILING.get(kind, ("VT", directory.filing_unit))
    return Routing(tuple(lines), filing)


def reminder_due(start: datetime, now: datetime, days: int) -> bool:
    """A visit's reminder is due from `days` days before it until it starts (local times)."""
    return start - timedelta(days=days) <= now < start
