"""The campaigns and targets a user may see."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service.models import Campaign, Target, User
from service.queries.scoping import campaigns_seen, targets_seen


def campaigns_query(user: User) -> Select[Campaign]:
    """The campaigns in `user`'s scope, newest year first; a statement, so the API can page it."""
    return (
        select(Campaign)
        .where(campaigns_seen(user))
        .order_by(Campaign.year.desc(), Campaign.id.desc())
    )


def visible_campaigns(db: Session, user: User) -> list[Campaign]:
    return list(db.scalars(campaigns_query(user)))


def visible_targets(db: Session, user: User, campaign: Campaign) -> list[Target]:
    """The campaign's targets in `user`'s scope, in the plan's order."""
    return list(
        db.scalars(
            select(Target)
            .where(Target.campaign_id == campaign.id, targets_seen(user))
            .order_by(Target.position, Target.id)
        )
    )
