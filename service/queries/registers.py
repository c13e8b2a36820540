"""The outgoing registers of an issuer in a year, as the văn thư keeps them: per series, the
highest number used, the number issuing takes next, and the numbers recorded outside the system.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import Campaign, Document, Organisation, Register, RegisterEntry
from workflows.documents import FILING_ORDER, KINDS
from workflows.vocabulary import OrganisationKind

SHARED, TEAM = "shared", "team"
# Every series a register may be kept in, in the order the export lists them.
SERIES: dict[str, str] = {
    SHARED: "Sổ chung của cơ quan",
    **{
        key: f"Sổ {KINDS[key].type_name.capitalize()}"
        for key in FILING_ORDER
        if not KINDS[key].issued_by_team
    },
    TEAM: "Sổ của Đoàn kiểm tra (biên bản)",
}


def series_label(series: str) -> str:
    return SERIES.get(series, series)


def series_rank(series: str) -> int:
    return list(SERIES).index(series) if series in SERIES else len(SERIES)


def series_of_plan(series_plan: str) -> list[str]:
    """The series an issuer numbers in under its plan (one shared, or one per kind)."""
    own = [SHARED] if series_plan != "per_kind" else [s for s in SERIES if s not in (SHARED, TEAM)]
    return [*own, TEAM]


def issuers(db: Session) -> list[Organisation]:
    """The organisations that issue documents, and so keep registers."""
    query = select(Organisation).where(Organisation.kind == OrganisationKind.ISSUER)
    return list(db.scalars(query.order_by(Organisation.id)))


def highest_used(db: Session, register_id: int) -> tuple[int, str]:
    """The highest number of the register given to a document or recorded outside the system,
    with its reference (0 and "" for an unused register)."""
    doc = db.execute(
        select(Document.number, Document.code)
        .where(Document.register_id == register_id, Document.number.is_not(None))
        .order_by(Document.number.desc())
        .limit(1)
    ).first()
    entry = db.execute(
        select(RegisterEntry.number, RegisterEntry.code)
        .where(RegisterEntry.register_id == register_id)
        .order_by(RegisterEntry.number.desc())
        .limit(1)
    ).first()
    found = [(int(row[0] or 0), str(row[1])) for row in (doc, entry) if row is not None]
    if not found:
        return 0, ""
    number, code = max(found)
    return number, f"{number:02d}/{code}"


@dataclass(frozen=True)
class RegisterView:
    """One series of an issuer's year, as the register page and `GET /registers` show it."""

    id: int | None
    organisation_id: int
    year: int
    series: str
    series_label: str
    last_number: int
    highest_used: int
    highest_reference: str
    next_number: int
    entries: int


def next_number(db: Session, register: Register) -> int:
    """The number issuing takes next: after the last one, past those recorded by hand."""
    recorded = set(
        db.scalars(
            select(RegisterEntry.number).where(
                RegisterEntry.register_id == register.id,
                RegisterEntry.number > register.last_number,
            )
        )
    )
    number = register.last_number + 1
    while number in recorded:
        number += 1
    return number


def view(
    db: Session, organisation_id: int, year: int, series: str, register: Register | None
) -> RegisterView:
    """One series as the văn thư sees it; `register` None: no number taken or set yet."""
    if register is None:
        return RegisterView(
            None, organisation_id, year, series, series_label(series), 0, 0, "", 1, 0
        )
    used, reference = highest_used(db, register.id)
    count = db.scalar(select(func.count()).where(RegisterEntry.register_id == register.id))
    return RegisterView(
        id=register.id,
        organisation_id=organisation_id,
        year=year,
        series=series,
        series_label=series_label(series),
        last_number=register.last_number,
        highest_used=used,
        highest_reference=reference,
        next_number=next_number(db, register),
        entries=int(count or 0),
    )


def overview(db: Session, organisation: Organisation, year: int) -> list[RegisterView]:
    """Every series of the issuer's plan for the year, and any other it already has a register
    in (kept under an earlier plan), whether or not a number was taken yet."""
    registers = {
        r.series: r
        for r in db.scalars(
            select(Register).where(
                Register.organisation_id == organisation.id, Register.year == year
            )
        )
    }
    names = series_of_plan(organisation.series_plan)
    names += sorted(set(registers) - set(names), key=series_rank)
    return [view(db, organisation.id, year, s, registers.get(s)) for s in names]


def overviews(db: Session, year: int, organisation_id: int | None = None) -> list[RegisterView]:
    """`overview` of one issuer (an id that names none: nothing), or of every issuer."""
    chosen = [o for o in issuers(db) if organisation_id is None or o.id == organisation_id]
    return [v for org in chosen for v in overview(db, org, year)]


def entries(db: Session, organisation_id: int, year: int) -> list[RegisterEntry]:
    """The numbers of the issuer's year recorded outside the system, by series and number."""
    query = (
        select(RegisterEntry)
        .join(Register, RegisterEntry.register_id == Register.id)
        .where(Register.organisation_id == organisation_id, Register.year == year)
    )
    found = list(db.scalars(query))
    return sorted(found, key=lambda e: (series_rank(e.register.series), e.number))


def campaign_choices(db: Session, organisation_id: int, year: int) -> list[tuple[int, str]]:
    """The issuer's campaigns of the year, which the register page may be narrowed to."""
    query = select(Campaign.id, Campaign.title).where(
        Campaign.issuer_id == organisation_id, Campaign.year == year
    )
    return [(row.id, row.title) for row in db.execute(query.order_by(Campaign.id))]
