"""Where a campaign stands, what each next step still needs, and its history: one summary for
the API's lifecycle answer and the UI's campaign page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign, LifecycleEvent
from service.queries.facts import campaign_facts
from workflows import lifecycle


@dataclass(frozen=True)
class Step:
    """A transition leaving the current stage, and what still stands in its way."""

    action: str
    label: str
    target: str
    allowed: bool
    missing: list[str]
    automatic: bool  # the service takes it by itself once allowed
    document_kind: str | None  # the document it issues, if any


@dataclass(frozen=True)
class LifecycleSummary:
    stage: str
    stage_label: str
    next_steps: list[Step]
    events: list[LifecycleEvent]


def lifecycle_summary(db: Session, campaign: Campaign) -> LifecycleSummary:
    facts = campaign_facts(db, campaign)
    events = db.scalars(
        select(LifecycleEvent)
        .where(LifecycleEvent.campaign_id == campaign.id)
        .order_by(LifecycleEvent.id)
    )
    return LifecycleSummary(
        stage=facts.stage.value,
        stage_label=lifecycle.STAGE_LABELS[facts.stage],
        next_steps=[
            Step(
                action=t.action,
                label=t.label,
                target=t.target.value,
                allowed=not missing,
                missing=missing,
                automatic=t.action in lifecycle.AUTOMATIC,
                document_kind=t.document_kind,
            )
            for t, missing in lifecycle.next_steps(facts)
        ],
        events=list(events),
    )
