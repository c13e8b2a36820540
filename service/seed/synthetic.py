"""A synthetic campaign of any size, on the demo's agencies: for fault tests and benchmarks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.commands import campaigns
from service.models import Campaign, Organisation
from service.seed.load import SEEDER, load_demo
from workflows.vocabulary import OrganisationKind


def synthetic_campaign(db: Session, targets: int) -> Campaign:
    """The demo plan with `targets` generated district offices, each with a chosen commune."""
    campaign = load_demo(db, new_campaign=True)
    for target in list(campaign.targets):
        campaign.targets.remove(target)
    db.flush()
    province = campaign.issuer.parent
    for i in range(1, targets + 1):
        tag = f"{campaign.id}-{i:04d}"
        district = f"huyện Thử nghiệm {i:04d}"
        office = Organisation(
            kind=OrganisationKind.DISTRICT_OFFICE,
            parent_id=province.id if province else None,
            name=f"Phòng Lao động, Thương binh, Xã hội - Dân tộc {district}",
            header_name="",
            code=f"SYN-{tag}",
            place_name="Lạng Sơn",
            district=district,
            email=f"ldtbxh-{tag}@synthetic.example.org",
        )
        commune = Organisation(
            kind=OrganisationKind.COMMUNE_COMMITTEE,
            parent_id=province.id if province else None,
            name=f"Ban Chỉ đạo 138 xã Thử nghiệm {i:04d}",
            code=f"SYNC-{tag}",
            place_name="Lạng Sơn",
            district=district,
            email=f"bcd138-{tag}@synthetic.example.org",
        )
        db.add_all([office, commune])
        db.flush()
        campaigns.add_target(db, SEEDER, campaign.id, office.id, commune.id)
    return campaign
