"""Who signs each kind of document, in what order and with which image: the signing order.

An order is data, like a routing rule: the defaults below, which a preset (and so a campaign)
may replace kind by kind. `plan` resolves a kind's order against the document's frozen context
into the signatures it needs: whose, which printed block each image goes in, which image.
Every field is known before the first signature, so a later one never invalidates an earlier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflows.vocabulary import Labelled


class Party(Labelled):
    """Who applies one signature of a document."""

    SIGNER = "signer", "Người có thẩm quyền ký"
    TEAM_LEADER = "team_leader", "Trưởng đoàn kiểm tra"
    UNIT = "unit", "Đại diện đơn vị được kiểm tra"
    AGENCY = "agency", "Văn thư (chữ ký số của cơ quan)"


class Image(Labelled):
    """What a signature shows on the page."""

    SIGNATURE = "signature", "Chữ ký"
    SEAL = "seal", "Con dấu"


@dataclass(frozen=True)
class Step:
    """One signature of a kind's order."""

    party: str
    image: str = Image.SIGNATURE

    def to_dict(self) -> dict[str, str]:
        return {"party": self.party, "image": self.image}


_SIGNER_THEN_SEAL = (Step(Party.SIGNER), Step(Party.AGENCY, Image.SEAL))

# Nghị định 30/2020, Phụ lục I: the person with authority signs, then the văn thư applies the
# agency's signature (its seal); the minutes are the team's and the inspected unit's, unsealed.
ORDERS: dict[str, tuple[Step, ...]] = {
    "KH": _SIGNER_THEN_SEAL,
    "QD": _SIGNER_THEN_SEAL,
    "TB": _SIGNER_THEN_SEAL,
    "BC": _SIGNER_THEN_SEAL,
    "BB": (Step(Party.TEAM_LEADER), Step(Party.UNIT)),
}


PREPARED = "prepared"  # the stored format of the issued PDF with every signature field added


def revision_format(step: int) -> str:
    """The stored format of the PDF as it is after signature `step`."""
    return f"signed{step}"


def person_key(person_id: int) -> str:
    """The label of a person's server-side key (and signature image) in the agency's store."""
    return f"person-{person_id}"


def seal_key(organisation_id: int) -> str:
    """The label of an agency's own key, its digital seal (and the seal image)."""
    return f"seal-{organisation_id}"


def order_problems(orders: Mapping[str, Any]) -> list[str]:
    """Why a preset's or campaign's `signing` (kind → list of steps) is not a valid order."""
    problems: list[str] = []
    for kind, steps in orders.items():
        if kind not in ORDERS:
            problems.append(f"Loại văn bản không có: {kind}")
            continue
        if not isinstance(steps, list) or not steps:
            problems.append(f"{kind}: cần ít nhất một chữ ký")
            continue
        for step in steps:
            party = step.get("party") if isinstance(step, dict) else None
            image = step.get("image", Image.SIGNATURE) if isinstance(step, dict) else None
            if party not in Party.values() or image not in Image.values():
                problems.append(f"{kind}: bước ký không hợp lệ: {step}")
        parties = [step.get("party") for step in steps if isinstance(step, dict)]
        if len(set(parties)) != len(parties):
            problems.append(f"{kind}: một bên ký hai lần")
    return problems


def order_for(kind: str, overrides: Mapping[str, Any] | None = None) -> tuple[Step, ...]:
    """The kind's order: the campaign's own when it gives one, else the default."""
    given = (overrides or {}).get(kind)
    if not given:
        return ORDERS.get(kind, ())
    return tuple(Step(str(s["party"]), str(s.get("image", Image.SIGNATURE))) for s in given)


@dataclass(frozen=True)
class Signatory:
    """One signature a document needs: where it goes and who may apply it."""

    step: int  # 1-based, the order it is applied in
    party: str
    image: str
    field: str  # the PDF signature field's name
    name: str  # the printed name under the image ("" for the agency's seal)
    above: str  # the printed line just above the image (authority or caption)
    person_id: int | None  # the person whose key signs (None: the agency, or the unit)


def _block(kind: str, party: str, context: Mapping[str, Any]) -> tuple[str, str, int | None]:
    """(name, line above, person id) of the printed block `party` signs in."""
    if kind == "BB":
        parties = context.get("signatures") or {}
        side = parties.get("right" if party == Party.TEAM_LEADER else "left") or {}
        return str(side.get("name") or ""), str(side.get("title") or ""), side.get("person_id")
    signer = context.get("signer") or {}
    above = signer.get("position") or signer.get("authority") or ""
    return str(signer.get("name") or ""), str(above), signer.get("person_id")


def plan(
    kind: str, context: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> tuple[Signatory, ...]:
    """The signatures a document of `kind` needs, in order, from its frozen context. The seal
    goes over the signer's image, so it takes the block of the signature before it."""
    result: list[Signatory] = []
    for number, step in enumerate(order_for(kind, overrides), start=1):
        party = step.party
        if party == Party.AGENCY:
            before = result[-1] if result else None
            name, above, person = (before.name, before.above, None) if before else ("", "", None)
        else:
            name, above, person = _block(kind, party, context)
        if party == Party.UNIT:
            person = None  # the inspected unit holds its own key: it signs with its own tool
        result.append(
            Signatory(number, party, step.image, f"Sig{number}_{party}", name, above, person)
        )
    return tuple(result)
