"""The statistics dashboard: section II.3 figures by district and year, as a chart and a table."""

from __future__ import annotations

from typing import Any

from flask import render_template

from service.database import session as db_session
from service.identity import current_user, require
from service.queries.statistics import dashboard_series
from service.web.blueprint import web
from workflows import statistics


@web.get("/dashboard")
def dashboard() -> str:
    require("statistics.view")
    series = dashboard_series(db_session(), current_user())
    districts, years, sums = series.districts, series.years, series.sums
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
    return render_template(
        "dashboard.html",
        chart=chart,
        table=table,
        totals=series.totals,
        fields=statistics.FIELDS,
    )
