"""The visit form, the report page and the dashboard follow the campaign's own indicators and
inspection contents, whatever the programme."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.commands import visits
from service.database import transaction
from service.errors import Invalid
from service.models import Campaign, Visit
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM
from tests.test_web import _announced, signed_in, text
from tests.test_web_support import Accounts, accounts, campaign_id
from workflows.vocabulary import VisitStatus

__all__ = ["accounts", "campaign_id"]  # fixtures used here

CONTENTS = [
    {"number": 1, "title": "Việc ban hành văn bản chỉ đạo", "run_in": False, "paragraphs": ["…"]},
    {"number": 2, "title": "Việc bố trí kinh phí", "run_in": False, "paragraphs": ["…"]},
]
INDICATORS = [
    {"key": "tre_em", "label": "Số trẻ em trên địa bàn", "short_label": "Trẻ em"},
    {"key": "hcdb", "label": "Số trẻ em có hoàn cảnh đặc biệt", "short_label": "HCĐB"},
    {
        "key": "hcdb_nam",
        "label": "Trong đó: nam",
        "short_label": "Nam",
        "parent": "hcdb",
        "rule": "sum",
    },
    {
        "key": "hcdb_nu",
        "label": "Trong đó: nữ",
        "short_label": "Nữ",
        "parent": "hcdb",
        "rule": "sum",
    },
    {
        "key": "ho_tro",
        "label": "Số trẻ em được hỗ trợ",
        "short_label": "Hỗ trợ",
        "parent": "hcdb",
        "rule": "at_most",
    },
]


def _other_programme(app: Any, campaign_id: int) -> list[int]:
    """The demo announced, then given another programme's contents and indicators: its visits."""
    _announced(app, campaign_id)
    with app.app_context(), transaction() as db:
        found = db.get(Campaign, campaign_id)
        assert found is not None
        found.contents, found.indicators = CONTENTS, INDICATORS
        return [t.visit.id for t in found.targets if t.visit]


def _fields(page: str) -> list[str]:
    return re.findall(r'name="statistics\.([a-z0-9_]+)"', page)


def test_the_visit_form_asks_for_the_campaigns_figures_and_contents(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    visit_id = _other_programme(app, campaign_id)[0]
    token = signed_in(client, accounts, "staff")
    page = text(client.get(f"/visits/{visit_id}"))
    assert _fields(page) == ["tre_em", "hcdb", "hcdb_nam", "hcdb_nu", "ho_tro"]
    assert re.findall(r'name="findings\.(\d+)"', page) == ["1", "2"]
    assert "1. Việc ban hành văn bản chỉ đạo" in page and "2. Việc bố trí kinh phí" in page
    assert '<tr class="part" data-part-of="hcdb">' in page  # "Trong đó" under its parent
    for gone in ("II.3", "Nội dung 3", "workers", "Số tụ điểm"):  # the title is still the demo's
        assert gone not in page

    form = {
        "csrf_token": token,
        "statistics.tre_em": "900",
        "statistics.hcdb": "12",
        "statistics.hcdb_nam": "5",
        "statistics.hcdb_nu": "6",
        "statistics.ho_tro": "13",
        "findings.2": "Đã bố trí kinh phí.",
        "date": "2023-09-05",
        "start": "08:00",
        "end": "11:30",
    }
    response = client.post(f"/visits/{visit_id}", data=form)
    page = text(response)
    assert response.status_code == 422
    assert (
        'data-error-for="statistics.hcdb_nam">Tổng «Trong đó: nam», «Trong đó: nữ» phải bằng'
        " «Số trẻ em có hoàn cảnh đặc biệt»" in page
    )
    assert (
        'data-error-for="statistics.ho_tro">Không được lớn hơn «Số trẻ em có hoàn cảnh đặc biệt»'
        in page
    )
    form |= {"statistics.hcdb_nu": "7", "statistics.ho_tro": "12"}
    assert client.post(f"/visits/{visit_id}", data=form).status_code == 303
    with app.app_context(), transaction() as db:
        held = visits.get_visit(db, visit_id)
        assert held.statistics == {
            "tre_em": 900,
            "hcdb": 12,
            "hcdb_nam": 5,
            "hcdb_nu": 7,
            "ho_tro": 12,
        }
        assert held.findings == {"2": "Đã bố trí kinh phí."}

    report = text(client.get(f"/campaigns/{campaign_id}/report"))
    assert re.search(r"<th>Tổng cộng</th>(<th[^>]*>[^<]*</th>){5}</tr>", report)
    assert "HCĐB" in report and "Cơ sở KDDV" not in report
    dashboard = text(client.get("/dashboard"))
    assert "Số trẻ em có hoàn cảnh đặc biệt" in dashboard and "Số tụ điểm" not in dashboard


def test_a_visit_refuses_figures_and_findings_the_plan_does_not_have(
    app: Any, campaign_id: int
) -> None:
    visit_id = _other_programme(app, campaign_id)[1]
    with app.app_context(), transaction() as db, pytest.raises(Invalid) as refused:
        data = {"statistics": {"workers": 3, "hcdb": -1}, "findings": {"3": "…", "0": "…"}}
        visits.record(db, SYSTEM, visit_id, data)
    assert refused.value.fields == {
        "statistics.workers": "Chỉ tiêu «workers» không có trong kế hoạch",
        "statistics.hcdb": "Không được âm",
        "findings.3": "Nội dung kiểm tra phải từ 1 đến 2",
        "findings.0": "Nội dung kiểm tra phải từ 1 đến 2",
    }


def test_the_dashboard_compares_years_only_on_the_indicators_they_share(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    """2026 collects another programme's figures than the 2023 demo: the table offers both
    sets, and a year shows "—" (not 0) under an indicator it does not collect."""
    first_demo_visit = _announced(app, campaign_id).targets[0]
    with app.app_context(), transaction() as db:
        demo = db.get(Campaign, campaign_id)
        assert demo is not None and demo.targets[0].visit is not None
        visits.record(db, SYSTEM, demo.targets[0].visit.id, {"statistics": {"workers": 4321}})
        other = load_demo(db, new_campaign=True)
        other.year, other.indicators = 2026, INDICATORS
        start = datetime(2026, 9, 5, 8, 0)
        db.add(
            Visit(
                target=other.targets[0],
                scheduled_start=start,
                scheduled_end=start.replace(hour=11),
                status=VisitStatus.HELD,
                statistics={"tre_em": 8765, "hcdb": 12},
            )
        )
    signed_in(client, accounts, "staff")
    page = text(client.get("/dashboard"))
    header = re.findall(r'data-key="([a-z0-9_]+)"', page)
    demo_keys = [i["key"] for i in demo.indicators]
    assert header == [*(i["key"] for i in INDICATORS), *demo_keys]  # the newest year first
    district = first_demo_visit.office.district
    rows = {
        year: re.findall(r"<td class=\"num\">([^<]*)</td>", row)
        for year, row in re.findall(rf"<tr><td>(\d+)</td><td>{district}</td>(.*?)</tr>", page)
    }
    assert rows["2026"][:2] == ["8.765", "12"] and set(rows["2026"][5:]) == {"—"}
    assert set(rows["2023"][:5]) == {"—"} and "4.321" in rows["2023"]
    data = re.search(r'id="chart-data">(.*?)</script>', page, re.S)
    assert data is not None
    chart = json.loads(data[1])
    assert chart["values"]["2023"]["tre_em"][0] is None
    assert chart["values"]["2026"]["tre_em"][0] == 8765
