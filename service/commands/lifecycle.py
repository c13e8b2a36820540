"""Move a campaign along its lifecycle, recording every step."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.commands.facts import campaign_facts
from service.errors import Conflict
from service.models import Campaign, LifecycleEvent
from workflows import lifecycle


def apply(db: Session, campaign: Campaign, action: str, actor: str, reason: str = "") -> None:
    """Apply `action` or raise Conflict with what is missing; then run automatic steps."""
    try:
        transition = lifecycle.require(action, campaign_facts(db, campaign))
    except lifecycle.TransitionRefused as refused:
        raise Conflict(refused.problems) from refused
    _record(db, campaign, transition, actor, reason)
    advance(db, campaign, actor)


def advance(db: Session, campaign: Campaign, actor: str) -> None:
    """Take every automatic step whose guard now passes (all visits done, all minutes issued)."""
    db.flush()
    for action in lifecycle.AUTOMATIC:
        facts = campaign_facts(db, campaign)
        if not lifecycle.problems_for(action, facts):
            _record(db, campaign, lifecycle.TRANSITIONS[action], actor or "hệ thống", "")


def _record(
    db: Session, campaign: Campaign, transition: lifecycle.Transition, actor: str, reason: str
) -> None:
    db.add(
        LifecycleEvent(
            campaign_id=campaign.id,
            action=transition.action,
            from_stage=campaign.stage,
            to_stage=transition.target.value,
            actor=actor,
            reason=reason,
        )
    )
    campaign.stage = transition.target.value
    db.flush()
