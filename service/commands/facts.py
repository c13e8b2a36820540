"""Read a campaign into the lifecycle's plain snapshot."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign, Document
from workflows.lifecycle import CampaignFacts, Stage, VisitFacts, VisitStatus

PLAN_FIELDS = {
    "title": "tên kế hoạch",
    "legal_bases": "căn cứ",
    "purposes": "mục đích",
    "requirements": "yêu cầu",
    "contents": "nội dung kiểm tra",
    "targets_description": "đối tượng kiểm tra",
    "method": "phương pháp kiểm tra",
    "time_window": "thời gian kiểm tra",
    "recipients": "nơi nhận",
}


def campaign_facts(db: Session, campaign: Campaign) -> CampaignFacts:
    missing = [label for attr, label in PLAN_FIELDS.items() if not getattr(campaign, attr)]
    if campaign.signer is None:
        missing.append("người ký")
    minuted = set(
        db.scalars(
            select(Document.visit_id).where(
                Document.campaign_id == campaign.id,
                Document.kind == "BB",
                Document.status == "issued",
            )
        )
    )
    visits = tuple(
        VisitFacts(
            target_name=target.office.name,
            status=VisitStatus(target.visit.status) if target.visit else None,
            skip_reason=target.visit.skip_reason if target.visit else "",
            minutes_issued=bool(target.visit and target.visit.id in minuted),
        )
        for target in campaign.targets
    )
    return CampaignFacts(
        stage=Stage(campaign.stage),
        missing_plan_fields=tuple(missing),
        target_count=len(campaign.targets),
        has_team_leader=any(m.role == "truong_doan" for m in campaign.members),
        visits=visits,
    )
