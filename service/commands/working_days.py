"""Visits on a weekend or a public holiday: refused until someone confirms them, and the
confirmation is kept in the audit log, so the same visit on the same day is asked about once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import audit
from service.errors import Conflict
from service.models import Visit
from service.models.user import AuditEntry
from workflows import calendar
from workflows.vocabulary import VisitStatus

CONFIRMED = "visit.non_working_day"  # the audit action; its detail starts with the ISO date
CONFIRM_FIELD = "confirm_non_working_days"  # the API's boolean, the UI's checkbox
HINT = "Cần xác nhận lịch kiểm tra vào ngày nghỉ trước khi ban hành thông báo lịch kiểm tra"


class NonWorkingDays(Conflict):
    """Visits on a day off that nobody has confirmed (answers 409): `days` maps each visit's
    target to the message naming it."""

    def __init__(self, days: dict[int, str]) -> None:
        self.days = days
        super().__init__([*days.values(), HINT])


def _confirmed(db: Session, visit: Visit, day: date) -> bool:
    return (
        db.scalar(
            select(AuditEntry.id)
            .where(
                AuditEntry.action == CONFIRMED,
                AuditEntry.object_type == "visit",
                AuditEntry.object_id == str(visit.id),
                AuditEntry.detail.startswith(day.isoformat(), autoescape=True),
            )
            .limit(1)
        )
        is not None
    )


def unconfirmed(db: Session, visits: Iterable[Visit]) -> dict[int, str]:
    """The scheduled visits among `visits` on a day off nobody has confirmed: per target, the
    message naming the unit and the day."""
    found: dict[int, str] = {}
    for visit in visits:
        day = visit.scheduled_start.date()
        if visit.status != VisitStatus.SCHEDULED or calendar.non_working(day) is None:
            continue
        if visit.id is None or not _confirmed(db, visit, day):
            office = visit.target.office.name
            found[visit.target.id] = (
                f"Lịch kiểm tra tại {office} vào ngày nghỉ: {calendar.day_note(day)}"
            )
    return found


def require_confirmed(db: Session, visits: Iterable[Visit], confirm: bool) -> None:
    """NonWorkingDays naming every visit of `visits` on an unconfirmed day off, unless `confirm`:
    then the confirmation is recorded for each (who, when, which day)."""
    chosen = list(visits)
    pending = unconfirmed(db, chosen)
    if not pending:
        return
    if not confirm:
        raise NonWorkingDays(pending)
    db.flush()  # a visit just scheduled has its id
    for visit in chosen:
        if visit.target.id in pending:
            day = visit.scheduled_start.date()
            audit.record(
                db, CONFIRMED, "visit", visit.id, f"{day.isoformat()} {calendar.non_working(day)}"
            )
