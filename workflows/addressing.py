"""Whom a schedule notice is addressed to ("Kính gửi"), from the targets' own names.

A notice to one target names its office and the sub-unit it chose. A notice to several names
offices of one kind as a group ("Phòng … các huyện" from "Phòng … huyện A", "Phòng … huyện B"),
an office alone in its kind by its name, and the chosen sub-units by the campaign's label for
them ("Ban Chỉ đạo … được lựa chọn"), or by their names when the campaign gives none.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_CHOSEN = re.compile(r"\s*(?:được|đã được)\s+(?:lựa\s+)?chọn\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Addressee:
    """A target as the notice names it: its office, the office's district, its sub-unit."""

    office: str
    district: str = ""  # "huyện Cao Lộc": what ends the office's name
    sub_unit: str = ""


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _sub_unit(label: str) -> str:
    """The campaign's name for the sub-units, without a "được chọn" staff may have typed."""
    return _CHOSEN.sub("", _clean(label).rstrip(" ,.;:")).rstrip(" ,.;:")


# The kinds of commune-level unit, as a name or a label writes them ("phường Chi Lăng").
COMMUNE_KINDS = ("xã", "phường", "thị trấn")
_KIND_LIST = re.compile(
    r"(?:\s+|,\s*)(?:"
    + "|".join(COMMUNE_KINDS)
    + r")(?:\s*,\s*(?:"
    + "|".join(COMMUNE_KINDS)
    + r"))*$"
)
_KIND_IN_NAME = re.compile(r"\b(" + "|".join(COMMUNE_KINDS) + r")\s+[A-ZĐÀ-Ỹ\d]")


def commune_kind(name: str) -> str:
    """ "phường" of "Ban Chỉ đạo 138 phường Chi Lăng": the kind word before the proper name."""
    found = _KIND_IN_NAME.search(_clean(name))
    return found.group(1) if found else ""


def sub_unit_heading(label: str, chosen: Sequence[str] = ()) -> str:
    """The schedule's column of the sub-unit each target chose: the campaign's name for it,
    its list of kinds ("xã, phường, thị trấn") narrowed to those of the `chosen` units' names."""
    name = _sub_unit(label)
    kinds = list(dict.fromkeys(k for k in map(commune_kind, chosen) if k))
    found = _KIND_LIST.search(name)
    if found and kinds:
        name = f"{name[: found.start()]} {', '.join(kinds)}".strip()
    return f"{name} được chọn" if name else "Đơn vị cấp xã được chọn"


def kinh_gui(addressees: Sequence[str]) -> list[str]:
    """The "Kính gửi" block: one addressee on its own, several as "- " lines ending ";", the
    last "."."""
    names = [_clean(name).rstrip(" ;.") for name in addressees if name.strip()]
    if len(names) < 2:
        return names
    return [f"- {name}{'.' if i == len(names) - 1 else ';'}" for i, name in enumerate(names)]


def _district_kind(district: str) -> str:
    """ "huyện" of "huyện Cao Lộc", "thành phố" of "thành phố Lạng Sơn": the lower-case words."""
    words = []
    for word in district.split():
        if not word[:1].islower():
            break
        words.append(word)
    return " ".join(words)


def _office_kind(target: Addressee) -> tuple[str, str]:
    """(the office's name without its district, the district's kind), or its name and ""."""
    name, district = _clean(target.office), _clean(target.district)
    kind = _district_kind(district)
    if district and kind and name.endswith(f" {district}"):
        return name.removesuffix(f" {district}"), kind
    return name, ""


def _office_lines(targets: Sequence[Addressee]) -> list[str]:
    """One line per kind of office: the group's name, or the office's own when it is alone."""
    groups: dict[str, list[tuple[str, str]]] = {}  # stem → (full name, district kind)
    for target in targets:
        stem, kind = _office_kind(target)
        groups.setdefault(stem, []).append((_clean(target.office), kind))
    lines: list[str] = []
    for stem, members in groups.items():
        kinds = list(dict.fromkeys(kind for _, kind in members))
        if len(members) == 1 or "" in kinds:
            lines.extend(dict.fromkeys(name for name, _ in members))
        else:
            lines.append(f"{stem} các {', '.join(kinds)}")
    return lines


def addressees(targets: Sequence[Addressee], sub_unit_label: str) -> list[str]:
    """The "Kính gửi" lines of a notice about `targets`, in their order."""
    if len(targets) == 1:
        only = targets[0]
        return [_clean(only.office), *([_clean(only.sub_unit)] if only.sub_unit else [])]
    sub_units = [_clean(t.sub_unit) for t in targets if t.sub_unit]
    label = _sub_unit(sub_unit_label)
    if sub_units and label:
        sub_units = [f"{label} được lựa chọn"]
    return [*_office_lines(targets), *dict.fromkeys(sub_units)]
