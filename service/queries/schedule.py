"""A campaign's schedule read into slots, and the conflicts `workflows.schedule` finds in it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign, Person, TeamMember
from workflows.schedule import Slot, find_conflicts
from workflows.vocabulary import VisitStatus


def _slots(campaign: Campaign, people: frozenset[int]) -> list[Slot]:
    return [
        Slot(
            t.id,
            t.office.name,
            t.visit.scheduled_start,
            t.visit.scheduled_end,
            people,
            campaign.title,
        )
        for t in campaign.targets
        if t.visit is not None and t.visit.status != VisitStatus.SKIPPED
    ]


def schedule_conflicts(db: Session, campaign: Campaign) -> dict[int, list[str]]:
    """Per target id: visits of this campaign that overlap, and team members booked elsewhere."""
    team = frozenset(m.person_id for m in campaign.members)
    others: list[Slot] = []
    if team:
        # Ids first: PostgreSQL cannot DISTINCT whole rows that hold JSON columns.
        shared = db.scalars(
            select(TeamMember.campaign_id)
            .where(TeamMember.person_id.in_(team), TeamMember.campaign_id != campaign.id)
            .distinct()
        ).all()
        for other in db.scalars(select(Campaign).where(Campaign.id.in_(shared))).all():
            others += _slots(other, frozenset(m.person_id for m in other.members))
    names = {p.id: p.full_name for p in db.scalars(select(Person).where(Person.id.in_(team)))}
    return find_conflicts(_slots(campaign, team), others, names)
