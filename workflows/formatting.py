"""How Nghị định 30/2020 writes numbers, codes and dates."""

from __future__ import annotations

from datetime import date, datetime

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
BLANK = "     "


def document_code(type_code: str, issuer_code: str) -> str:
    """`KH-SLĐTBXH`; a công văn (no type code) is `SLĐTBXH-<unit>` and is passed as issuer."""
    return f"{type_code}-{issuer_code}" if type_code else issuer_code


def number_line(number: int | None, code: str) -> str:
    """`Số: 05/KH-SLĐTBXH`; numbers below 10 take a leading zero; a draft leaves a gap."""
    shown = f"{number:02d}" if number is not None else BLANK
    return f"Số: {shown}/{code}"


def day_month(day: date) -> tuple[str, str]:
    """Days below 10 and the months 1 and 2 take a leading zero, other months do not."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}", month


def date_line(place: str, day: date | None, year: int) -> str:
    """`Lạng Sơn, ngày 05 tháng 02 năm 2023`; a draft leaves day and month blank."""
    if day is None:
        return f"{place}, ngày {BLANK} tháng {BLANK} năm {year}"
    d, m = day_month(day)
    return f"{place}, ngày {d} tháng {m} năm {day.year}"


def short_date(day: date) -> str:
    """`05/9/2023`, as references to other documents write it."""
    d, m = day_month(day)
    return f"{d}/{m}/{day.year}"


def long_date(day: date) -> str:
    """`ngày 05 tháng 9 năm 2023`, for running text."""
    d, m = day_month(day)
    return f"ngày {d} tháng {m} năm {day.year}"


def clock(moment: datetime) -> str:
    """`08 giờ 00`."""
    return f"{moment.hour:02d} giờ {moment.minute:02d}"


def clock_range(start: datetime, end: datetime) -> str:
    """`08 giờ 00 - 11 giờ 30`."""
    return f"{clock(start)} - {clock(end)}"


def weekday_date(day: date) -> str:
    """`Thứ Ba, ngày 05/9/2023`."""
    return f"{WEEKDAYS[day.weekday()]}, ngày {short_date(day)}"


def reference(number: int, code: str) -> str:
    """`05/KH-SLĐTBXH`."""
    return f"{number:02d}/{code}"
