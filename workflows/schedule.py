"""Schedule conflicts: visits overlapping in time, team members double-booked.

Conflicts are warnings shown beside the schedule; scheduling itself does not refuse them (two
sub-teams may inspect at once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from workflows import formatting


@dataclass(frozen=True)
class Slot:
    """A scheduled visit: `key` identifies it in the result, `people` are the team's person ids."""

    key: int
    place: str
    start: datetime
    end: datetime
    people: frozenset[int] = frozenset()
    campaign: str = ""


def overlaps(a: Slot, b: Slot) -> bool:
    return a.start < b.end and b.start < a.end


def _when(slot: Slot) -> str:
    return f"{formatting.clock_range(slot.start, slot.end)} ngày {slot.start:%d/%m/%Y}"


def find_conflicts(
    own: Sequence[Slot], others: Sequence[Slot], names: Mapping[int, str]
) -> dict[int, list[str]]:
    """Messages per `own` slot: overlaps among `own`, and people also booked in `others`."""
    found: dict[int, list[str]] = defaultdict(list)
    for a, b in combinations(own, 2):
        if overlaps(a, b):
            found[a.key].append(f"Trùng thời gian với lịch kiểm tra tại {b.place} ({_when(b)})")
            found[b.key].append(f"Trùng thời gian với lịch kiểm tra tại {a.place} ({_when(a)})")
    for a in own:
        for b in others:
            if not overlaps(a, b):
                continue
            for person in sorted(a.people & b.people, key=lambda p: names.get(p, "")):
                found[a.key].append(
                    f"{names.get(person, f'#{person}')} đã có lịch kiểm tra tại {b.place} "
                    f"({_when(b)}, {b.campaign})"
                )
    return dict(found)
