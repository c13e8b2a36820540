"""Bounds the database, the registers and the file formats can hold: one definition for the API,
the UI, the CLI and the seed, so that a value outside them is refused with a field message (422)
instead of failing later in a column, a register or a ZIP entry."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from workflows import calendar, formatting

INT_MAX = 2**31 - 1  # the database's INTEGER
FIRST_DATE = date(2000, 1, 1)  # nothing this service files is older
REGISTER_YEARS = (2000, 2100)  # the years a register (and a campaign) may be for
VISIT_YEARS_AHEAD = 5  # a visit may be planned up to five years ahead
MAX_JSON_DEPTH = 64  # nesting of a request body; the API's deepest shape needs four
MAX_COMPETENCE_BASIS = 2000  # an issuer's "căn cứ chức năng, nhiệm vụ" line

INVALID_MOMENT = "Thời điểm không hợp lệ"


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _window(earliest: date, latest: date) -> str:
    return (
        f"Phải từ ngày {formatting.short_date(earliest)} đến ngày {formatting.short_date(latest)}"
    )


def issue_date_problem(day: date, today: date) -> str | None:
    """Why `day` cannot be an issue date (its year numbers the register; never ahead), or None."""
    if day < FIRST_DATE:
        return _window(FIRST_DATE, today)
    return calendar.dating_problem(day, today, ())


def moment_problem(moment: datetime, now: datetime) -> str | None:
    """Why `moment` cannot be a visit's time (local, naive), or None."""
    latest = _years_after(now.date(), VISIT_YEARS_AHEAD)
    return None if FIRST_DATE <= moment.date() <= latest else _window(FIRST_DATE, latest)


def year_problem(year: int) -> str | None:
    first, last = REGISTER_YEARS
    return None if first <= year <= last else f"Năm phải từ {first} đến {last}"


def length_problem(value: str, max_length: int) -> str | None:
    return f"Tối đa {max_length} ký tự" if len(value) > max_length else None


def name_problem(value: Any, max_length: int, missing: str) -> str | None:
    """A required name (an indicator's, a content's title): `missing` when it is blank."""
    if not isinstance(value, str) or not value.strip():
        return missing
    return length_problem(value, max_length)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest, counted without recursion (the
    parser's own recursion fails on a body nested thousands deep)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0  # cannot nest deeper than the limit: no need to scan
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def objects(
    value: Any, field: str, limit: int, noun: str, keys: str
) -> tuple[dict[str, str], list[tuple[str, Mapping[str, Any]]]]:
    """A list field whose items are objects (contents, indicators): what is wrong with its shape,
    and each object with its path (`field.<i>`) for the caller's own checks."""
    if not isinstance(value, list):
        return {field: f"Danh sách {noun} phải là một mảng"}, []
    if len(value) > limit:
        return {field: f"Tối đa {limit} {noun}"}, []
    errors: dict[str, str] = {}
    items: list[tuple[str, Mapping[str, Any]]] = []
    for i, item in enumerate(value):
        if isinstance(item, Mapping):
            items.append((f"{field}.{i}", item))
        else:
            errors[f"{field}.{i}"] = f"Mỗi {noun} là một đối tượng ({keys})"
    return errors, items
