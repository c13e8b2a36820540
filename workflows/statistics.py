"""The figures of a visit checked against the campaign's indicators, and their sums.

Which figures exist, their labels and how the "Trong đó" parts relate to their parent are the
campaign's data (`workflows.indicators`); nothing here names a programme's figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from workflows.indicators import Indicator

MAX_VALUE = 999_999_999


def validate(values: Mapping[str, object], indicators: Sequence[Indicator]) -> dict[str, str]:
    """Per-field messages: keys the plan does not have, values that are not non-negative whole
    numbers, parts above their parent (an absent parent counts as 0), sum groups that do not add
    up to their parent once every part is given, or exceed it before."""
    by_key = {i.key: i for i in indicators}
    errors: dict[str, str] = {}
    counts: dict[str, int] = {}
    for key, value in values.items():
        if key not in by_key:
            errors[key] = f"Chỉ tiêu «{key}» không có trong kế hoạch"
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[key] = "Phải là số nguyên"
        elif value < 0:
            errors[key] = "Không được âm"
        elif value > MAX_VALUE:
            errors[key] = f"Không được lớn hơn {MAX_VALUE:,}".replace(",", ".")
        else:
            counts[key] = value
    for part in indicators:
        above = by_key.get(part.parent or "")
        if above and part.key in counts and counts[part.key] > counts.get(above.key, 0):
            errors[part.key] = f"Không được lớn hơn «{above.label}»"
    for parent, parts in sum_groups(indicators):
        given = [p for p in parts if p.key in counts]
        if not given or any(p.key in errors for p in parts):
            continue
        total, whole = sum(counts[p.key] for p in given), counts.get(parent, 0)
        names = ", ".join(f"«{p.label}»" for p in parts)
        if len(given) == len(parts) and total != whole:
            message = f"Tổng {names} phải bằng «{by_key[parent].label}»"
        elif total > whole:
            message = f"Tổng {names} không được lớn hơn «{by_key[parent].label}»"
        else:
            continue
        for p in given:
            errors.setdefault(p.key, message)
    return errors


def sum_groups(indicators: Sequence[Indicator]) -> list[tuple[str, tuple[Indicator, ...]]]:
    """(parent key, its parts) for every set of `sum` parts of one parent and group, in order."""
    groups: dict[tuple[str, str], list[Indicator]] = {}
    for i in indicators:
        if i.parent and i.rule == "sum":
            groups.setdefault((i.parent, i.group), []).append(i)
    return [(parent, tuple(parts)) for (parent, _), parts in groups.items()]


def totals(rows: Iterable[Mapping[str, int]], indicators: Sequence[Indicator]) -> dict[str, int]:
    """The sums of every indicator over the given visits (a figure not given counts as 0)."""
    result = dict.fromkeys((i.key for i in indicators), 0)
    for row in rows:
        for key in result:
            result[key] += int(row.get(key, 0))
    return result


def depth(indicator: Indicator, indicators: Sequence[Indicator]) -> int:
    """How many parents above it: 0 for a main figure, 1 for a "Trong đó" part of one…"""
    by_key = {i.key: i for i in indicators}
    level, parent = 0, indicator.parent
    while parent in by_key and level < len(indicators):
        level, parent = level + 1, by_key[parent].parent
    return level
