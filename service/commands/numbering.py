"""Take the next number from a register inside the issuing transaction: no gaps, no duplicates.

Numbers the văn thư recorded as issued outside the system (`RegisterEntry`) are skipped, so a
register adopted mid-year never hands out a number already on paper.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.models import Register, RegisterEntry


def ensure_register(db: Session, organisation_id: int, year: int, series: str) -> None:
    """Create the register row if it is missing (a concurrent creator's row is kept)."""
    values = {"organisation_id": organisation_id, "year": year, "series": series, "last_number": 0}
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(insert(Register).values(**values).on_conflict_do_nothing())


def lock_register(db: Session, organisation_id: int, year: int, series: str) -> Register:
    """The register, created if needed and locked until the caller commits: a number set or
    recorded by hand waits for an issue under way, and the other way round."""
    ensure_register(db, organisation_id, year, series)
    register = db.scalars(
        select(Register)
        .where(
            Register.organisation_id == organisation_id,
            Register.year == year,
            Register.series == series,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return register


def recorded_numbers(
    db: Session, register_id: int, organisation_id: int, year: int, from_number: int, code: str = ""
) -> set[int]:
    """Numbers from `from_number` on recorded outside the system in the register, and, with a
    `code`, those recorded with that code in another series of the same issuer and year."""
    scope = RegisterEntry.register_id == register_id
    if code:
        series = select(Register.id).where(
            Register.organisation_id == organisation_id, Register.year == year
        )
        scope = or_(scope, (RegisterEntry.code == code) & RegisterEntry.register_id.in_(series))
    query = select(RegisterEntry.number).where(scope, RegisterEntry.number >= from_number)
    return set(db.scalars(query))


def take_number(
    db: Session, organisation_id: int, year: int, series: str, code: str = ""
) -> tuple[int, int]:
    """(register id, number): the row update locks the register until the caller commits.
    A number recorded outside the system (with `code`, in any series of the issuer) is passed."""
    ensure_register(db, organisation_id, year, series)
    register_id, number = db.execute(
        update(Register)
        .where(
            Register.organisation_id == organisation_id,
            Register.year == year,
            Register.series == series,
        )
        .values(last_number=Register.last_number + 1)
        .returning(Register.id, Register.last_number)
        .execution_options(synchronize_session=False)
    ).one()
    recorded = recorded_numbers(db, register_id, organisation_id, year, number, code)
    if number in recorded:
        while number in recorded:
            number += 1
        db.execute(
            update(Register)
            .where(Register.id == register_id)
            .values(last_number=number)
            .execution_options(synchronize_session=False)
        )
    return register_id, number
