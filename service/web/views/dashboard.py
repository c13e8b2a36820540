"""The statistics dashboard: section II.3 figures by district and year, as a chart and a table."""

from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import select

from service import auth
from service.database import session as db_session
from service.identity import current_user, require
from service.models import Campaign, Target, Visit
from service.web.blueprint import web
from workflows import statistics
from workflows.lifecycle import VisitStatus


def district_rows() -> tuple[list[str], list[int], dict[tuple[str, int], dict[str, int]]]:
    """(districts in the plans' order, years, summed figures per (district, year)) in scope."""
    db = db_session()
    user = current_user()
    held = db.execute(
        select(Visit, Target, Campaign)
        .join(Target, Visit.target_id == Target.id)
        .join(Campaign, Target.campaign_id == Campaign.id)
        .where(Visit.status == VisitStatus.HELD)
        .order_by(Campaign.year, Target.position)
    ).all()
    figures: dict[tuple[str, int], list[dict[str, int]]] = {}
    districts: list[str] = []
    for visit, target, campaign in held:
        if not auth.sees(user, visit):
            continue
        district = target.office.district or target.office.name
        if district not in districts:
            districts.append(district)
        figures.setdefault((district, campaign.year), []).append(visit.statistics or {})
    years = sorted({year for _, year in figures})
    return districts, years, {key: statistics.totals(rows) for key, rows in figures.items()}


@web.get("/dashboard")
def dashboard() -> str:
    require("statistics.view")
    districts, years, sums = district_rows()
    chart: dict[str, Any] = {
        "districts": districts,
        "years": years,
        "fields": [{"key": f.key, "label": f.label} for f in statistics.FIELDS],
        "values": {
            str(year): {
                f.key: [sums.get((d, year), {}).get(f.key, 0) for d in districts]
                for f in statistics.FIELDS
            }
            for year in years
        },
    }
    table = [
        {"district": d, "year": y, "values": sums[(d, y)]}
        for y in years
        for d in districts
        if (d, y) in sums
    ]
    totals = {
        year: statistics.totals(sums[(d, year)] for d in districts if (d, year) in sums)
        for year in years
    }
    return render_template(
        "dashboard.html",
        chart=chart,
        table=table,
        totals=totals,
        fields=statistics.FIELDS,
    )
