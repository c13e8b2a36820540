"""The statistics dashboard: every indicator's figures by district and year, as a chart and a
table; a year shows "—" on an indicator its campaigns do not collect."""

from __future__ import annotations

from typing import Any

from flask import render_template

from service.database import session as db_session
from service.identity import current_user, require
from service.queries.statistics import dashboard_series
from service.web.blueprint import web


@web.get("/dashboard")
def dashboard() -> str:
    require("statistics.view")
    series = dashboard_series(db_session(), current_user())
    districts, years, fields = series.districts, series.years, series.indicators
    chart: dict[str, Any] = {
        "districts": districts,
        "years": years,
        "fields": [{"key": f.key, "label": f.label} for f in fields],
        "values": {
            str(year): {f.key: [series.value(d, year, f.key) for d in districts] for f in fields}
            for year in years
        },
    }
    table = [
        {"district": d, "year": y, "values": [series.value(d, y, f.key) for f in fields]}
        for y in years
        for d in districts
        if (d, y) in series.sums
    ]
    totals = {y: [series.value(None, y, f.key) for f in fields] for y in years}
    return render_template("dashboard.html", chart=chart, table=table, totals=totals, fields=fields)
