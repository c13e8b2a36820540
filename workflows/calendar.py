"""Dates that make sense: the working days of a Vietnamese office, and what a document may be
dated. A visit on a weekend or a public holiday needs an explicit confirmation before its notice
goes out; a document is dated neither in the future nor before a document it cites."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from functools import lru_cache

import holidays

from workflows import formatting

SATURDAY, SUNDAY = "Thứ bảy", "Chủ nhật"
HOLIDAY = "ngày lễ"  # a public holiday the package names in no Vietnamese

# What each kind cites, so may not be dated before: the decision acts under the plan, the
# notices announce the team the decision formed, the minutes cite both, the report sums the
# minutes. A kind cites only documents of its own campaign.
CITES: dict[str, tuple[str, ...]] = {
    "QD": ("KH",),
    "TB": ("KH", "QD"),
    "BB": ("KH", "QD"),
    "BC": ("KH", "QD", "BB"),
}


@lru_cache(maxsize=32)
def _holidays(year: int) -> dict[date, str]:
    """The public holidays of Vietnam in `year` (days off in lieu included), in Vietnamese."""
    found = holidays.country_holidays("VN", years=year, language="vi")
    return {day: str(name) or HOLIDAY for day, name in found.items()}


def non_working(day: date) -> str | None:
    """Why `day` is no working day ("Quốc khánh", "Tết Nguyên Đán", "Thứ bảy", "Chủ nhật"),
    or None; a holiday is named even when it falls on a weekend."""
    holiday = _holidays(day.year).get(day)
    if holiday:
        return holiday
    return {5: SATURDAY, 6: SUNDAY}.get(day.weekday())


def working_days(start: date) -> Iterator[date]:
    """`start` (when it is one) and every working day after it, in order."""
    day = start
    while True:
        if non_working(day) is None:
            yield day
        day += timedelta(days=1)


def day_note(day: date) -> str:
    """`Thứ bảy, 09/9/2023`, as a refusal or a warning names a non-working day."""
    reason = non_working(day)
    return f"{reason}, {formatting.short_date(day)}" if reason else formatting.short_date(day)


def dating_problem(day: date, today: date, cited: Iterable[tuple[date, str]]) -> str | None:
    """Why a document cannot be dated `day`, or None: not after `today`, and not before any of
    `cited`, each (its date, how the message names it: "Kế hoạch số 01/KH-SLĐTBXH")."""
    if day > today:
        return (
            f"Không thể ghi ngày ban hành trong tương lai ({formatting.short_date(day)}; "
            f"hôm nay là {formatting.short_date(today)})"
        )
    for earliest, what in sorted(cited, reverse=True):
        if day < earliest:
            return (
                f"Ngày ban hành {formatting.short_date(day)} trước ngày "
                f"{formatting.short_date(earliest)} của {what} mà văn bản này căn cứ"
            )
    return None
