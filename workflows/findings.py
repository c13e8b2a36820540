"""The areas a visit's findings are recorded under: the campaign's inspection contents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def finding_areas(contents: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The contents' titles by their 1-based position ("1", "2"…), the keys of `visit.findings`."""
    return {str(n): str(c.get("title", "")) for n, c in enumerate(contents, start=1)}
