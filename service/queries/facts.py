"""Read a campaign into the lifecycle's plain snapshot."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign, Document, Target
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
    targets = db.scalars(
        select(Target).where(Target.campaign_id == campaign.id).order_by(Target.position)
    ).all()
    visits = tuple(
        VisitFacts(
            target_name=target.office.name,
            status=VisitStatus(target.visit.status) if target.visit else None,
            skip_reason=target.visit.skip_reason if target.visit else "",
            minutes_issued=bool(target.visit and target.visit.id in minuted),
        )
        for target in targets
    )
    return CampaignFacts(
        stage=Stage(campaign.stage),
        missing_plan_fields=tuple(missing),
        target_count=len(targets),
        has_team_leader=any(m.role == TeamRole.LEADER for m in campaign.members),
        visits=visits,
    )
