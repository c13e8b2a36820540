"""Read a campaign into the lifecycle's plain snapshot."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign, Document, Organisation, Target, Visit
from workflows.lifecycle import CampaignFacts, Stage, VisitFacts
from workflows.vocabulary import PLAN_FIELDS, DocumentStatus, TeamRole, VisitStatus


def campaign_facts(db: Session, campaign: Campaign) -> CampaignFacts:
    missing = [f.label for f in PLAN_FIELDS if f.required and not getattr(campaign, f.name)]
    if campaign.signer is None:
        missing.append("người ký")
    minuted = set(
        db.scalars(
            select(Document.visit_id).where(
                Document.campaign_id == campaign.id,
                Document.kind == "BB",
                Document.status == DocumentStatus.ISSUED,
            )
        )
    )
    # The few columns the rules read, not whole targets and visits (a campaign may have 700).
    rows = db.execute(
        select(Organisation.name, Visit.id, Visit.status, Visit.skip_reason)
        .select_from(Target)
        .join(Organisation, Target.office_id == Organisation.id)
        .outerjoin(Visit, Visit.target_id == Target.id)
        .where(Target.campaign_id == campaign.id)
        .order_by(Target.position, Target.id)
    ).all()
    visits = tuple(
        VisitFacts(
            target_name=name,
            status=VisitStatus(status) if visit_id is not None else None,
            skip_reason=skip_reason or "",
            minutes_issued=visit_id in minuted,
        )
        for name, visit_id, status, skip_reason in rows
    )
    return CampaignFacts(
        stage=Stage(campaign.stage),
        missing_plan_fields=tuple(missing),
        target_count=len(rows),
        has_team_leader=any(m.role == TeamRole.LEADER for m in campaign.members),
        visits=visits,
    )
