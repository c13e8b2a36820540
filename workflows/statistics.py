"""The section II.3 statistics of a visit: fields, labels, validation and province totals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    short: str
    parts_of: str | None = None


FIELDS: tuple[Field, ...] = (
    Field("businesses", "Số cơ sở kinh doanh dịch vụ có điều kiện trên địa bàn", "Cơ sở KDDV"),
    Field("workers", "Số lao động làm việc tại các cơ sở KDDV", "Lao động"),
    Field("workers_male", "Trong đó: số lao động nam", "Nam", "workers"),
    Field("workers_female", "Trong đó: số lao động nữ", "Nữ", "workers"),
    Field("workers_migrant", "Số lao động là người ngoài tỉnh nhập cư", "Ngoài tỉnh", "workers"),
    Field("workers_contract", "Số lao động đã được ký HĐLĐ", "Có HĐLĐ", "workers"),
    Field("workers_no_contract", "Số lao động chưa được ký HĐLĐ", "Chưa HĐLĐ", "workers"),
    Field("hotspots", "Số tụ điểm hoạt động mại dâm (hoặc cơ sở KDDV nghi hoạt động)", "Tụ điểm"),
    Field("sex_workers", "Số người bán dâm (hoặc nghi bán dâm)", "Người bán dâm"),
    Field(
        "sex_workers_reintegrated",
        "Số người bán dâm là người địa phương nay đã hoàn lương",
        "Hoàn lương",
        "sex_workers",
    ),
    Field("brokers", "Số đối tượng chủ chứa, môi giới (hoặc số vụ đã triệt phá)", "Chủ chứa"),
    Field("businesses_inspected", "Số cơ sở được kiểm tra", "Được KT", "businesses"),
    Field("businesses_violating", "Số cơ sở vi phạm", "Vi phạm", "businesses_inspected"),
)

KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS)
BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}

# Groups of parts whose sum may not exceed their common total.
SUM_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("workers", ("workers_male", "workers_female")),
    ("workers", ("workers_contract", "workers_no_contract")),
)


def validate(values: Mapping[str, object]) -> dict[str, str]:
    """Per-field messages: unknown keys, non-integers, negatives, parts above their totals."""
    errors: dict[str, str] = {}
    for key, value in values.items():
        if key not in BY_KEY:
            errors[key] = "Chỉ tiêu không tồn tại"
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[key] = "Phải là số nguyên"
        elif value < 0:
            errors[key] = "Không được âm"
    if errors:
        return errors
    counts = {k: v for k, v in values.items() if isinstance(v, int)}
    for f in FIELDS:
        if f.parts_of and f.key in counts and counts[f.key] > counts.get(f.parts_of, 0):
            errors[f.key] = f"Không được lớn hơn «{BY_KEY[f.parts_of].label}»"
    for total, parts in SUM_GROUPS:
        if sum(counts.get(p, 0) for p in parts) > counts.get(total, 0):
            for p in parts:
                errors.setdefault(p, f"Tổng các phần không được lớn hơn «{BY_KEY[total].label}»")
    return errors


def totals(rows: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Province-wide sums of every field over the given visits."""
    result = dict.fromkeys(KEYS, 0)
    for row in rows:
        for key in KEYS:
            result[key] += int(row.get(key, 0))
    return result
