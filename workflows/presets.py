"""Programmes as presets: JSON files in `workflows/presets/` that start a new campaign.

An administrator adds a programme by dropping a file there (README "Presets"): no code changes.
The slug is the file's stem; `{year}` in a preset's text becomes the new campaign's year.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflows.vocabulary import INSPECTION, PLAN_BODY

DIRECTORY = Path(__file__).with_name("presets")
YEAR = "{year}"
# The campaign's fields a preset may give, besides `programme` (to which the year is appended).
FIELDS = (
    "title",
    "subject_lines",
    *PLAN_BODY,
    "recipients",
    "report_sections",
    *INSPECTION,
    "signing",
)


@dataclass(frozen=True)
class Preset:
    slug: str
    name: str
    description: str


class UnknownPreset(LookupError):
    """A slug that names no file in the presets folder."""


def list_presets(directory: Path = DIRECTORY) -> list[Preset]:
    """The presets an administrator shipped, by name."""
    found = [
        Preset(path.stem, str(data.get("name") or path.stem), str(data.get("description") or ""))
        for path in sorted(directory.glob("*.json"))
        for data in (_read(path),)
    ]
    return sorted(found, key=lambda preset: preset.name)


def load(slug: str, directory: Path = DIRECTORY) -> dict[str, Any]:
    """The preset's file as written (a slug is only ever a file's stem, never a path)."""
    paths = {path.stem: path for path in directory.glob("*.json")}
    if slug not in paths:
        raise UnknownPreset(slug)
    return _read(paths[slug])


def campaign_fields(slug: str, year: int, directory: Path = DIRECTORY) -> dict[str, Any]:
    """What a new campaign of `year` takes from the preset: its programme as documents cite it
    ("công tác … năm 2026") and every plan field the preset gives, `{year}` filled in wherever
    it stands (in lists and in the contents' and indicators' objects too)."""
    preset = load(slug, directory)
    fields = {key: _with_year(preset[key], year) for key in FIELDS if key in preset}
    programme = str(preset.get("programme") or "").strip()
    if programme:
        # Written without its year, it is given " năm <year>"; a `{year}` in it says where.
        dated = programme if YEAR in programme else f"{programme} năm {YEAR}"
        fields["programme"] = _with_year(dated, year)
    return fields


def _with_year(value: Any, year: int) -> Any:
    if isinstance(value, str):
        return value.replace(YEAR, str(year))
    if isinstance(value, list):
        return [_with_year(item, year) for item in value]
    if isinstance(value, dict):
        return {key: _with_year(item, year) for key, item in value.items()}
    return value


def _read(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: một preset là một đối tượng JSON")
    return data
