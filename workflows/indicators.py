"""The figures a campaign collects at each visit: its indicators, read from the campaign's data.

An indicator is a non-negative whole number. One with a `parent` is a "Trong đó" breakdown of it:
with the rule `at_most` it may not exceed the parent; parts with the rule `sum` and the same
parent and `group` add up to the parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from workflows import limits

RULES = ("sum", "at_most")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_INDICATORS = 60
MAX_LABEL = 500
MAX_SHORT_LABEL = 40
RULE_MESSAGE = "Quy tắc phải là «sum» (cộng lại bằng) hoặc «at_most» (không vượt)"
FIELDS = ("key", "label", "short_label", "parent", "rule", "group")
MAX_GROUP = 64


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    short_label: str
    parent: str | None = None
    rule: str | None = None  # for a part: "sum" or "at_most"
    group: str = ""  # parts of one parent that add up together

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "short_label": self.short_label,
            "parent": self.parent,
            "rule": self.rule,
        }
        if self.group:
            data["group"] = self.group
        return data


def parse(items: Iterable[Mapping[str, Any]]) -> tuple[Indicator, ...]:
    """The indicators of already validated campaign data, in their order."""
    return tuple(
        Indicator(
            key=str(item["key"]),
            label=str(item["label"]),
            short_label=str(item.get("short_label") or item["label"]),
            parent=item.get("parent") or None,
            rule=(item.get("rule") or "at_most") if item.get("parent") else None,
            group=str(item.get("group") or ""),
        )
        for item in items
    )


def problems(items: object) -> dict[str, str]:
    """Per-field messages (`indicators.<i>.<field>`) about indicator definitions: keys unique
    and well formed, labels present and short enough, parents that exist and make no loop,
    rules known."""
    errors, objects = limits.objects(
        items, "indicators", MAX_INDICATORS, "chỉ tiêu", "key, label, short_label, parent, rule"
    )
    keys: dict[str, int] = {}
    for at, item in objects:
        i = int(at.rsplit(".", 1)[1])
        for name in item:
            if name not in FIELDS:
                errors[f"{at}.{name}"] = f"Chỉ tiêu chỉ gồm: {', '.join(FIELDS)}"
        key = item.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            errors[f"{at}.key"] = "Mã chỉ tiêu gồm chữ thường không dấu, số và dấu _ (tối đa 64)"
        elif key in keys:
            errors[f"{at}.key"] = f"Mã chỉ tiêu «{key}» bị trùng (đã có ở chỉ tiêu {keys[key] + 1})"
        else:
            keys[key] = i
        label = limits.name_problem(item.get("label"), MAX_LABEL, "Cần nhập tên chỉ tiêu")
        if label:
            errors[f"{at}.label"] = label
        short = item.get("short_label")
        if short is not None and (not isinstance(short, str) or len(short) > MAX_SHORT_LABEL):
            errors[f"{at}.short_label"] = f"Tên ngắn tối đa {MAX_SHORT_LABEL} ký tự"
        parent = item.get("parent")
        if parent is not None and not isinstance(parent, str):
            errors[f"{at}.parent"] = "Chỉ tiêu cha là mã của một chỉ tiêu khác"
        rule = item.get("rule")
        if parent and rule is not None and rule not in RULES:
            errors[f"{at}.rule"] = RULE_MESSAGE
        group = item.get("group")
        if group is not None and (not isinstance(group, str) or len(group) > MAX_GROUP):
            errors[f"{at}.group"] = f"Nhóm là một mã tối đa {MAX_GROUP} ký tự"
    for at, item in objects:
        if not isinstance(item.get("parent"), str) or not item["parent"]:
            continue  # none, or named above
        problem = _parent_problem(item, cast(list[Any], items), keys)
        if problem:
            errors[f"{at}.parent"] = problem
    return errors


def _parent_problem(
    item: Mapping[str, Any], items: list[Any], keys: Mapping[str, int]
) -> str | None:
    parent = item.get("parent")
    if parent not in keys:
        return f"Chỉ tiêu cha «{parent}» không có trong danh sách"
    key = item.get("key")
    seen: set[object] = {key} if isinstance(key, str) else set()
    while isinstance(parent, str) and parent:
        if parent in seen:
            return "Chỉ tiêu cha tạo thành vòng lặp"
        seen.add(parent)
        above = items[keys[parent]] if parent in keys else None
        parent = above.get("parent") if isinstance(above, Mapping) else None
    return None
