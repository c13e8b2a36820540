"""The figures of held visits over their campaign's indicators: per visit, per campaign, per
district and year. Every page, document and register that shows a sum gets it here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Campaign, Organisation, Target, User, Visit
from service.queries.scoping import visits_seen
from workflows import indicators, statistics
from workflows.indicators import Indicator
from workflows.vocabulary import VisitStatus


@dataclass(frozen=True)
class HeldVisit:
    """One held visit's figures, under the name of its district (or office)."""

    target: Target
    name: str
    values: dict[str, int]


@dataclass(frozen=True)
class CampaignStatistics:
    indicators: tuple[Indicator, ...]  # the campaign's, in the plan's order
    rows: list[HeldVisit]
    totals: dict[str, int]  # province-wide, over `rows`, one per indicator


@dataclass(frozen=True)
class DashboardSeries:
    """Figures summed per (district, year) over every campaign a user may see. A year is summed
    on its own campaigns' indicators only, so two years compare on the keys they share."""

    districts: list[str]  # in the plans' order
    years: list[int]
    indicators: tuple[Indicator, ...]  # every year's, the newest year's labels and order first
    keys: dict[int, tuple[str, ...]]  # the indicator keys each year has
    sums: dict[tuple[str, int], dict[str, int]]  # over the year's keys
    totals: dict[int, dict[str, int]]  # per year, over its districts

    def value(self, district: str | None, year: int, key: str) -> int | None:
        """The sum of `key` for a district (or the year's total for None); None where the year
        has no such indicator or the district no figures that year."""
        if key not in self.keys.get(year, ()):
            return None
        found = self.totals.get(year) if district is None else self.sums.get((district, year))
        return None if found is None else found.get(key)


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
    own = indicators.parse(campaign.indicators)
    return CampaignStatistics(own, rows, statistics.totals((r.values for r in rows), own))


def dashboard_series(db: Session, user: User) -> DashboardSeries:
    held = db.execute(
        select(Visit.statistics, Campaign.year, Campaign.id, Organisation)
        .join(Target, Visit.target_id == Target.id)
        .join(Campaign, Target.campaign_id == Campaign.id)
        .join(Organisation, Target.office_id == Organisation.id)
        .where(Visit.status == VisitStatus.HELD, visits_seen(user))
        .order_by(Campaign.year, Target.position, Campaign.id)
    ).all()
    defined: dict[int, list[dict[str, Any]]] = dict(
        db.execute(
            select(Campaign.id, Campaign.indicators).where(
                Campaign.id.in_({campaign_id for _, _, campaign_id, _ in held})
            )
        ).all()
    )
    figures: dict[tuple[str, int], list[dict[str, int]]] = {}
    of_year: dict[int, list[Indicator]] = {}
    seen: set[int] = set()
    districts: list[str] = []
    for values, year, campaign_id, office in held:
        district = _district(office)
        if district not in districts:
            districts.append(district)
        figures.setdefault((district, year), []).append(values or {})
        if campaign_id not in seen:
            seen.add(campaign_id)
            of_year.setdefault(year, []).extend(indicators.parse(defined[campaign_id] or []))
    years = sorted(of_year)
    year_indicators = {year: _distinct(of_year[year]) for year in years}
    sums = {
        (d, year): statistics.totals(rows, year_indicators[year])
        for (d, year), rows in figures.items()
    }
    totals = {
        year: statistics.totals(
            (sums[(d, year)] for d in districts if (d, year) in sums), year_indicators[year]
        )
        for year in years
    }
    union = _distinct([i for year in reversed(years) for i in year_indicators[year]])
    keys = {year: tuple(i.key for i in year_indicators[year]) for year in years}
    return DashboardSeries(districts, years, union, keys, sums, totals)


def _distinct(found: list[Indicator]) -> tuple[Indicator, ...]:
    """One indicator a key, the first met."""
    first: dict[str, Indicator] = {}
    for indicator in found:
        first.setdefault(indicator.key, indicator)
    return tuple(first.values())
