"""The văn thư's hand on the register: set the number issuing takes next, and record the numbers
issued outside the system (a department adopting Vanthu mid-year already has 01–53 on paper).

Both lock the register as issuing does (`numbering.lock_register`), so neither can race an issue:
a number is never given twice, and number + code is never repeated within an issuer's year.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import audit
from service.commands import checks
from service.commands.caller import Caller
from service.commands.numbering import lock_register
from service.errors import Invalid
from service.models import Document, Organisation, Register, RegisterEntry
from service.queries.registers import SERIES, highest_used, series_label
from workflows import formatting, limits
from workflows.limits import INT_MAX
from workflows.vocabulary import OrganisationKind

# A register number as the văn thư may set or record it (a year never reaches this).
MAX_NUMBER = 99999
SPACED = re.compile(r"\s*([/-])\s*")
NUMBERED = re.compile(r"^\d+\s*/")
REQUIRED = "Không được để trống"


def _issuer(db: Session, organisation_id: Any) -> Organisation:
    org = db.get(Organisation, organisation_id) if isinstance(organisation_id, int) else None
    if org is None or org.kind != OrganisationKind.ISSUER:
        raise Invalid({"organisation_id": "Không phải cơ quan ban hành văn bản (không có sổ)"})
    return org


def _number(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid({field: "Phải là số nguyên"})
    if not 1 <= value <= MAX_NUMBER:
        raise Invalid({field: f"Số phải từ 1 đến {MAX_NUMBER}"})
    return value


def _series(value: Any) -> str:
    if value not in SERIES:
        raise Invalid({"series": "Sổ không hợp lệ: " + ", ".join(SERIES.values())})
    return str(value)


def _where(org: Organisation, year: int, series: str) -> str:
    return f"{series_label(series)} năm {year} của {org.name}"


def set_next_number(db: Session, caller: Caller, data: dict[str, Any]) -> Register:
    """The number the register issues next (`next_number`); refused at or below a number the
    register already used, so no number is given twice."""
    caller.require("register.manage")
    org = _issuer(db, data.get("organisation_id"))
    year = data.get("year")
    problem = limits.year_problem(year) if isinstance(year, int) else "Phải là số nguyên"
    if problem:
        raise Invalid({"year": problem})
    assert isinstance(year, int)
    series = _series(data.get("series"))
    wanted = _number(data.get("next_number"), "next_number")
    register = lock_register(db, org.id, year, series)
    used, reference = highest_used(db, register.id)
    if wanted <= used:
        raise Invalid(
            {
                "next_number": f"Số {reference} đã được dùng trong {_where(org, year, series)}: "
                f"số tiếp theo phải từ {used + 1:02d} trở lên"
            }
        )
    before = register.last_number + 1
    register.last_number = wanted - 1
    db.flush()
    audit.record(
        db,
        "register.next_number",
        "register",
        register.id,
        f"{_where(org, year, series)}: số tiếp theo {before:02d} → {wanted:02d}",
        actor=caller.name,
    )
    return register


def _code(value: Any) -> str:
    code = SPACED.sub(r"\1", str(value or "").strip())
    if not code:
        raise Invalid({"code": REQUIRED})
    if NUMBERED.match(code):
        raise Invalid({"code": "Chỉ nhập ký hiệu, không kèm số (ví dụ KH-SLĐTBXH)"})
    return code


def _duplicate(
    db: Session, org: Organisation, register: Register, number: int, code: str, year: int
) -> str | None:
    """Why number + code cannot be recorded: the number is taken in this register, or the
    number and code are in another series of the issuer's year (a document or a record)."""
    where = _where(org, year, register.series)
    reference = f"{number:02d}/{code}"
    entry = db.scalar(
        select(RegisterEntry).where(
            RegisterEntry.register_id == register.id, RegisterEntry.number == number
        )
    )
    if entry is not None:
        return (
            f"Số {number:02d} đã được ghi trong {where}: {entry.reference} ngày "
            f"{formatting.short_date(entry.issue_date)} «{entry.title}»"
        )
    doc = db.scalar(
        select(Document).where(
            Document.register_id == register.id,
            Document.number == number,
        )
    )
    if doc is None:
        doc = db.scalar(
            select(Document).where(
                Document.issuer_id == org.id,
                Document.year == year,
                Document.number == number,
                Document.code == code,
            )
        )
    if doc is not None:
        day = formatting.short_date(doc.issue_date) if doc.issue_date else ""
        return f"Số {number:02d} đã được cấp cho văn bản {doc.reference} ngày {day} «{doc.title}»"
    other = db.scalar(
        select(RegisterEntry)
        .join(Register, RegisterEntry.register_id == Register.id)
        .where(
            Register.organisation_id == org.id,
            Register.year == year,
            RegisterEntry.number == number,
            RegisterEntry.code == code,
        )
    )
    if other is not None:
        return (
            f"Số, ký hiệu {reference} đã được ghi trong {_where(org, year, other.register.series)}"
        )
    return None


def record_entry(db: Session, caller: Caller, data: dict[str, Any]) -> RegisterEntry:
    """Record a number issued outside the system; its year is its date's. Issuing then passes
    it by. Refused when the register already has the number or the issuer's year has the same
    number and code."""
    caller.require("register.manage")
    org = _issuer(db, data.get("organisation_id"))
    series = _series(data.get("series"))
    number = _number(data.get("number"), "number")
    code = _code(data.get("code"))
    day = data.get("issue_date")
    if not isinstance(day, date):
        raise Invalid({"issue_date": REQUIRED})
    checks.issue_date(day, caller.today())
    copies = data.get("copies")
    if copies is not None and (not isinstance(copies, int) or not 0 <= copies <= INT_MAX):
        raise Invalid({"copies": "Phải là số nguyên không âm"})
    fields = {
        "code": code,
        "title": str(data.get("title") or "").strip(),
        "signer": str(data.get("signer") or "").strip(),
        "recipients": str(data.get("recipients") or "").strip(),
        "keeper": str(data.get("keeper") or "").strip(),
        "notes": str(data.get("notes") or "").strip(),
    }
    if not fields["title"]:
        raise Invalid({"title": REQUIRED})
    fields = checks.checked(RegisterEntry, fields, names=("code", "signer"))
    register = lock_register(db, org.id, day.year, series)
    problem = _duplicate(db, org, register, number, code, day.year)
    if problem:
        raise Invalid({"number": problem})
    entry = RegisterEntry(
        register_id=register.id,
        number=number,
        issue_date=day,
        copies=copies,
        created_by=caller.name,
        **fields,
    )
    db.add(entry)
    db.flush()
    audit.record(
        db,
        "register.entry",
        "register",
        register.id,
        f"{_where(org, day.year, series)}: ghi số đã cấp ngoài hệ thống {entry.reference} "
        f"ngày {formatting.short_date(day)}",
        actor=caller.name,
    )
    return entry
