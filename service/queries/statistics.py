"""The section II.3 figures as read from held visits: per visit, per campaign, per district and
year. Every page, document and register that shows a sum gets it here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign, Organisation, Target, User, Visit
from service.queries.scoping import visits_seen
from workflows import statistics
from workflows.vocabulary import VisitStatus


@dataclass(frozen=True)
class HeldVisit:
    """One held visit's figures, under the name of its district (or office)."""

    target: Target
    name: str
    values: dict[str, int]


@dataclass(frozen=True)
class CampaignStatistics:
    rows: list[HeldVisit]
    totals: dict[str, int]  # province-wide, over `rows`


@dataclass(frozen=True)
class DashboardSeries:
    """Figures summed per (district, year) over every campaign a user may see."""

    districts: list[str]  # in the plans' order
    years: list[int]
    sums: dict[tuple[str, int], dict[str, int]]
    totals: dict[int, dict[str, int]]  # per year, over its districts


def _district(office: Organisation) -> str:
    return office.district or office.name


def campaign_statistics(db: Session, campaign: Campaign) -> CampaignStatistics:
    """The campaign's held visits in the plan's order, and their totals."""
    held = db.execute(
        select(Target, Visit)
        .join(Visit, Visit.target_id == Target.id)
        .where(Target.campaign_id == campaign.id, Visit.status == VisitStatus.HELD)
        .order_by(Target.position, Target.id)
    ).all()
    rows = [HeldVisit(t, _district(t.office), dict(v.statistics or {})) for t, v in held]
    return CampaignStatistics(rows, statistics.totals(r.values for r in rows))


def dashboard_series(db: Session, user: User) -> DashboardSeries:
    held = db.execute(
        select(Visit.statistics, Campaign.year, Organisation)
        .join(Target, Visit.target_id == Target.id)
        .join(Campaign, Target.campaign_id == Campaign.id)
        .join(Organisation, Target.office_id == Organisation.id)
        .where(Visit.status == VisitStatus.HELD, visits_seen(user))
        .order_by(Campaign.year, Target.position, Campaign.id)
    ).all()
    figures: dict[tuple[str, int], list[dict[str, int]]] = {}
    districts: list[str] = []
    for values, year, office in held:
        district = _district(office)
        if district not in districts:
            districts.append(district)
        figures.setdefault((district, year), []).append(values or {})
    years = sorted({year for _, year in figures})
    sums = {key: statistics.totals(rows) for key, rows in figures.items()}
    totals = {
        year: statistics.totals(sums[(d, year)] for d in districts if (d, year) in sums)
        for year in years
    }
    return DashboardSeries(districts, years, sums, totals)
