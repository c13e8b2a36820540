"""The areas a visit's findings are recorded under: the campaign's inspection contents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def finding_areas(contents: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The contents' titles by their 1-based position ("1", "2"…), the keys of `visit.findings`."""
    return {str(n): str(c.get("title", "")) for n, c in enumerate(contents, start=1)}


# What the minutes print under an area the team recorded nothing for.
NOTHING_RECORDED = "Không có ý kiến."


def minutes_findings(
    contents: Iterable[Mapping[str, Any]], findings: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Every area in the plan's order, numbered 1…N, with its finding or `NOTHING_RECORDED`:
    minutes follow the plan's contents whole, so a reader sees an area was not forgotten."""
    return [
        {"number": int(n), "title": title, "text": findings.get(n, "").strip() or NOTHING_RECORDED}
        for n, title in finding_areas(contents).items()
    ]
