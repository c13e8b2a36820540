"""The directory as the forms offer it: organisations by kind, people, signers, accounts; and
as its own pages list it: searched, with what each organisation and person receives.

Lists a person picks a name from are in Vietnamese alphabetical order; lists of a kind the
administrator enters (issuers, units, signers) keep the order they were entered in. Pickers
offer only active entries; the directory pages show deactivated ones too, marked.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.models import Campaign, Organisation, Person, Signer, User
from workflows.text import vietnamese_key
from workflows.vocabulary import OrganisationKind


def organisations(db: Session, kind: OrganisationKind) -> list[Organisation]:
    """The active organisations of one kind, in the order they were entered."""
    stmt = (
        select(Organisation)
        .where(Organisation.kind == kind, Organisation.active)
        .order_by(Organisation.id)
    )
    return list(db.scalars(stmt))


def district_offices(db: Session, excluding: Collection[int] = ()) -> list[Organisation]:
    """The district offices (but those in `excluding`), by their district's name."""
    offices = organisations(db, OrganisationKind.DISTRICT_OFFICE)
    kept = [o for o in offices if o.id not in excluding]
    return sorted(kept, key=lambda o: vietnamese_key(o.district or o.name))


def communes_by_district(db: Session) -> dict[str, list[Organisation]]:
    """The commune committees under the name of their district, each list by commune name."""
    communes = organisations(db, OrganisationKind.COMMUNE_COMMITTEE)
    grouped: dict[str, list[Organisation]] = {}
    for commune in sorted(communes, key=lambda o: vietnamese_key(o.name)):
        grouped.setdefault(commune.district, []).append(commune)
    return grouped


def people_outside(db: Session, campaign: Campaign) -> list[Person]:
    """The people who may still join the campaign's team, by name."""
    on_team = {m.person_id for m in campaign.members}
    people = [p for p in db.scalars(select(Person).where(Person.active)) if p.id not in on_team]
    return sorted(people, key=lambda p: vietnamese_key(p.full_name))


def signers(db: Session) -> list[Signer]:
    """The signers of active people, in the order they were entered."""
    stmt = select(Signer).join(Signer.person).where(Person.active).order_by(Signer.id)
    return list(db.scalars(stmt))


def signer_capacity(signer: Signer) -> str:
    """The capacity a signer signs in: `KT. GIÁM ĐỐC - PHÓ GIÁM ĐỐC`."""
    authority = " ".join(p for p in (signer.authority_prefix, signer.authority_title) if p)
    return f"{authority}{' - ' if signer.authority_title else ''}{signer.position_title}"


def signer_choices(db: Session) -> list[tuple[int, str]]:
    """Signers as choices: `Nguyễn Văn Giang (KT. GIÁM ĐỐC - PHÓ GIÁM ĐỐC)`."""
    return [(s.id, f"{s.person.full_name} ({signer_capacity(s)})") for s in signers(db)]


def users(db: Session) -> list[User]:
    """Every account, by the name it is shown under."""
    return sorted(db.scalars(select(User)), key=lambda u: vietnamese_key(u.full_name or u.username))


def display_names(db: Session) -> dict[str, str]:
    """Usernames recorded as actors, shown as the person's full name."""
    return {u.username: u.full_name or u.username for u in db.scalars(select(User))}


# --- the directory pages --------------------------------------------------------------------


# The directory's names sort on every page view; their keys are computed once per name.
_name_key = lru_cache(maxsize=16384)(vietnamese_key)
_KINDS = [str(k) for k in OrganisationKind]
_KIND_ORDER = {kind: i for i, kind in enumerate(_KINDS)}


def _organisation_order(kind: str, name: str) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """The directory's order of organisations: by kind, then by name."""
    return _KIND_ORDER.get(kind, len(_KINDS)), _name_key(name)


def _folded(text: str) -> str:
    """Text as a search compares it: no case, no accents ("lang son" finds "Lạng Sơn")."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _matches(search: str, texts: Iterable[str | None]) -> bool:
    needle = _folded(search.strip())
    return not needle or any(needle in _folded(t) for t in texts if t)


def find_organisations(
    db: Session, search: str = "", kind: str = "", inactive: bool = False
) -> list[Organisation]:
    """Organisations whose name, code, district or an address holds `search`, by kind and
    name; deactivated ones only with `inactive`."""
    stmt = select(Organisation).options(selectinload(Organisation.contacts))
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if not inactive:
        stmt = stmt.where(Organisation.active)
    found = [
        o
        for o in db.scalars(stmt)
        if _matches(
            search,
            (
                o.name,
                o.code,
                o.district,
                o.email,
                *(t for c in o.contacts for t in (c.name, c.email)),
            ),
        )
    ]
    return sorted(found, key=lambda o: _organisation_order(o.kind, o.name))


def organisation_choices(db: Session) -> list[tuple[int, str, str]]:
    """The active organisations' (id, name, kind) a parent or a person's organisation is
    chosen from, in the directory's order: their columns only, not their contacts."""
    stmt = select(Organisation.id, Organisation.name, Organisation.kind).where(Organisation.active)
    rows = [(row.id, row.name, row.kind) for row in db.execute(stmt)]
    return sorted(rows, key=lambda row: _organisation_order(row[2], row[1]))


def find_people(db: Session, search: str = "", inactive: bool = False) -> list[Person]:
    """People whose name, position, organisation or address holds `search`, by name;
    deactivated ones only with `inactive`."""
    stmt = select(Person).options(selectinload(Person.organisation))
    if not inactive:
        stmt = stmt.where(Person.active)
    found = [
        p
        for p in db.scalars(stmt)
        if _matches(
            search,
            (p.full_name, p.position, p.email, p.organisation.name if p.organisation else ""),
        )
    ]
    return sorted(found, key=lambda p: _name_key(p.full_name))


def people_of(db: Session, org: Organisation) -> list[Person]:
    """The people of an organisation, active first, by name."""
    people = db.scalars(select(Person).where(Person.organisation_id == org.id))
    return sorted(people, key=lambda p: (not p.active, _name_key(p.full_name)))


def signers_of(db: Session, person: Person) -> list[Signer]:
    return list(db.scalars(select(Signer).where(Signer.person_id == person.id).order_by(Signer.id)))


def signers_of_organisation(db: Session, org: Organisation) -> list[Signer]:
    """Who signs for an organisation: the capacities of its people, in the order entered."""
    stmt = (
        select(Signer)
        .join(Signer.person)
        .where(Person.organisation_id == org.id)
        .options(selectinload(Signer.person))
        .order_by(Signer.id)
    )
    return list(db.scalars(stmt))


def campaigns_signed(db: Session, signers: Iterable[Signer]) -> dict[int, list[Campaign]]:
    """signer id → the campaigns whose documents it signs, newest first (one query)."""
    ids = [s.id for s in signers]
    stmt = (
        select(Campaign)
        .where(Campaign.signer_id.in_(ids))
        .order_by(Campaign.year.desc(), Campaign.id.desc())
    )
    found: dict[int, list[Campaign]] = {}
    for campaign in db.scalars(stmt):
        assert campaign.signer_id is not None
        found.setdefault(campaign.signer_id, []).append(campaign)
    return found
