"""Take the next number from a register inside the issuing transaction: no gaps, no duplicates."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.models import Register


def take_number(db: Session, organisation_id: int, year: int, series: str) -> tuple[int, int]:
    """(register id, number): the row update locks the register until the caller commits."""
    values = {"organisation_id": organisation_id, "year": year, "series": series, "last_number": 0}
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(insert(Register).values(**values).on_conflict_do_nothing())
    row = db.execute(
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
    return row[0], row[1]
