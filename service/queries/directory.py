"""The directory as the forms offer it: organisations by kind, people, signers, accounts.

Lists a person picks a name from are in Vietnamese alphabetical order; lists of a kind the
administrator enters (issuers, units, signers) keep the order they were entered in.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign, Organisation, Person, Signer, User
from workflows.text import vietnamese_key
from workflows.vocabulary import OrganisationKind


def organisations(db: Session, kind: OrganisationKind) -> list[Organisation]:
    """The organisations of one kind, in the order they were entered."""
    stmt = select(Organisation).where(Organisation.kind == kind).order_by(Organisation.id)
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
    people = [p for p in db.scalars(select(Person)) if p.id not in on_team]
    return sorted(people, key=lambda p: vietnamese_key(p.full_name))


def signers(db: Session) -> list[Signer]:
    return list(db.scalars(select(Signer).order_by(Signer.id)))


def signer_choices(db: Session) -> list[tuple[int, str]]:
    """Signers as choices: `Nguyễn Văn Giang (KT. GIÁM ĐỐC - PHÓ GIÁM ĐỐC)`."""
    return [
        (
            s.id,
            f"{s.person.full_name} "
            f"({' '.join(p for p in (s.authority_prefix, s.authority_title) if p)}"
            f"{' - ' if s.authority_title else ''}{s.position_title})",
        )
        for s in signers(db)
    ]


def users(db: Session) -> list[User]:
    """Every account, by the name it is shown under."""
    return sorted(db.scalars(select(User)), key=lambda u: vietnamese_key(u.full_name or u.username))


def display_names(db: Session) -> dict[str, str]:
    """Usernames recorded as actors, shown as the person's full name."""
    return {u.username: u.full_name or u.username for u in db.scalars(select(User))}
