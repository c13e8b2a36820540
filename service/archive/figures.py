"""The register of figures in the case file (Sổ số liệu kiểm tra): every held visit's figures
under the campaign's own indicators, one column each, then their "Tổng cộng" row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.mail.register import neutralise
from service.models import Campaign
from service.queries.statistics import campaign_statistics

FIRST_COLUMNS = ("STT", "Đơn vị được kiểm tra", "Huyện, thành phố")
TOTAL = "Tổng cộng"


@dataclass(frozen=True)
class Figures:
    columns: tuple[str, ...]  # FIRST_COLUMNS, then the indicators' labels in the plan's order
    rows: list[list[str]]  # one a held visit, the totals last
    visits: int
    indicators: int


def read(db: Session, campaign: Campaign) -> Figures:
    """The figures as the visits stand at the build (the same query the report is built from)."""
    found = campaign_statistics(db, campaign)
    own = found.indicators
    rows = [
        [str(n), row.target.office.name, row.name, *(str(row.values.get(i.key, 0)) for i in own)]
        for n, row in enumerate(found.rows, start=1)
    ]
    rows.append(["", TOTAL, "", *(str(found.totals[i.key]) for i in own)])
    return Figures((*FIRST_COLUMNS, *(i.label for i in own)), rows, len(found.rows), len(own))


def as_csv(figures: Figures) -> bytes:
    """UTF-8 CSV with BOM (Excel opens it with its diacritics), cells never read as formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for cells in (figures.columns, *figures.rows):
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue().encode("utf-8-sig")
