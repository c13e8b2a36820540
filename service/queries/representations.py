"""What of a representation a user may see, where a row in scope holds more than its scope.

A campaign a district user may see also holds every other office's target and visit, the
plan's and the report's text, and next steps that name every target. The API answers through
here, so that an answer never shows what a list or a detail page would hide.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from service.models import Campaign, User
from service.queries.campaigns import target_counts
from service.queries.lifecycle import LifecycleSummary, lifecycle_summary
from service.queries.scoping import kind_seen, sees_every_office
from workflows.vocabulary import PLAN_FIELDS

# The campaign's text that is a document's content, under the kind of that document: seen only
# by who sees the document. The title and the year name the campaign in every list.
# The inspection's programme, indicators, preparation and sub-unit are in the notice and the
# visit a district user sees; the report's recipients are the report's.
TEXT_OF: dict[str, str] = {
    **{
        f.name: "BC" if f.shape == "sections" else "KH"
        for f in PLAN_FIELDS
        if f.name not in ("title", "year")
    },
    "report_recipients": "BC",
}


def campaign_seen(db: Session, user: User, campaign: Campaign) -> dict[str, Any]:
    """The campaign's fields as `user` may see them, how many targets it has in scope, its team."""
    columns = (attr.key for attr in inspect(Campaign).column_attrs)
    shown = {
        name: getattr(campaign, name)
        for name in columns
        if name not in TEXT_OF or kind_seen(user, TEXT_OF[name])
    }
    count = target_counts(db, user, [campaign])[campaign.id]
    return {**shown, "target_count": count, "members": campaign.members}


def lifecycle_seen(db: Session, user: User, campaign: Campaign) -> LifecycleSummary:
    """The campaign's stage and history; its next steps (what each still needs, target by
    target) only for a user who sees every office."""
    summary = lifecycle_summary(db, campaign)
    return summary if sees_every_office(user) else replace(summary, next_steps=[])
