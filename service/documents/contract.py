"""What the service hands each document template: the names per kind, and one real-looking sample.

A template may use only the names its kind provides (`check_template` enforces it), and each
sample is what a trial render feeds it: Lạng Sơn's 2023 campaign, the plan word for word from
the seed document, typos included, so the KH template is checked against the real text. The
samples are data beside the templates (`templates/samples/KH.json` …), edited with them.
"""

from __future__ import annotations

import json
from typing import Any

from service.documents.store import TEMPLATES_DIR
from workflows.vocabulary import PLAN_BODY

_COMMON: frozenset[str] = frozenset(
    {
        "governing_body",
        "issuer_header",
        "number_line",
        "date_line",
        "is_draft",
        "doc_type",
        "subject_lines",
        "signer",
        "recipients",
        "issue_date_iso",
    }
)

PROVIDED: dict[str, frozenset[str]] = {
    "KH": _COMMON | set(PLAN_BODY),
    "QD": _COMMON
    | {
        "decision_authority",
        "legal_bases",
        "proposal",
        "team_name",
        "members",
        "team_duties",
        "time_window",
        "responsible_parties",
    },
    "TB": _COMMON
    | {
        "addressees",
        "plan_reference",
        "introduction",
        "sub_unit_heading",
        "schedule",
        "preparation",
        "contact",
    },
    "BB": _COMMON
    | {
        "opening",
        "team_attendees",
        "unit_attendees",
        "findings",
        "statistics",
        "unit_comments",
        "closing",
        "signatures",
    },
    "BC": _COMMON
    | {
        "introduction",
        "statistics",
        "district_rows",
        "statistics_short_labels",
        "results",
        "shortcomings",
        "causes",
        "recommendations",
    },
}


def _sample(kind: str) -> dict[str, Any]:
    """Read from the templates folder, so that a template and its sample travel together."""
    return json.loads((TEMPLATES_DIR / "samples" / f"{kind}.json").read_text(encoding="utf-8"))


SAMPLE_CONTEXTS: dict[str, dict[str, Any]] = {kind: _sample(kind) for kind in PROVIDED}
