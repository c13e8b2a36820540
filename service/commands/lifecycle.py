"""Move a campaign along its lifecycle, recording every step."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from service.database import SessionFactory
from service.errors import Conflict, Invalid
from service.models import Campaign, LifecycleEvent
from service.queries.facts import campaign_facts
from workflows import lifecycle

LOCKED = "locked_campaigns"


def lock(db: Session, campaign: Campaign) -> None:
    """Hold the campaign's row until commit, then re-read what others committed meanwhile:
    issuing and lifecycle steps of one campaign run one at a time, each on current facts (a
    draft issued from two web processes at once, the last two minutes completing the stage).
    Only PostgreSQL needs it: SQLite's BEGIN IMMEDIATE already runs one writer at a time."""
    db.flush()
    locked: set[int] = db.info.setdefault(LOCKED, set())
    if campaign.id in locked or db.get_bind().dialect.name != "postgresql":
        return
    # FOR NO KEY UPDATE: rows that merely reference the campaign (jobs, documents) still go in.
    db.execute(
        select(Campaign.id).where(Campaign.id == campaign.id).with_for_update(key_share=True)
    )
    db.expire_all()
    locked.add(campaign.id)


@event.listens_for(SessionFactory, "after_commit")
@event.listens_for(SessionFactory, "after_rollback")
def _release(db: Session) -> None:
    db.info.pop(LOCKED, None)


def apply(db: Session, campaign: Campaign, action: str, actor: str, reason: str = "") -> None:
    """Apply `action` or raise Conflict with what is missing (Invalid when the step needs a
    reason and none is given); then run automatic steps."""
    lock(db, campaign)
    try:
        transition = lifecycle.require(action, campaign_facts(db, campaign))
    except lifecycle.TransitionRefused as refused:
        raise Conflict(refused.problems) from refused
    reason = reason.strip()
    if transition.reason_needed and not reason:
        raise Invalid({"reason": transition.reason_needed})
    _record(db, campaign, transition, actor, reason)
    advance(db, campaign, actor)


def advance(db: Session, campaign: Campaign, actor: str) -> None:
    """Take every automatic step whose guard now passes (all visits done, all minutes issued)."""
    lock(db, campaign)
    for action in lifecycle.AUTOMATIC:
        if lifecycle.Stage(campaign.stage) not in lifecycle.TRANSITIONS[action].sources:
            continue  # reading every target's facts would only say "not at this stage"
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
