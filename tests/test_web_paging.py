"""Long lists page and filter, and a campaign's pages cost the same number of queries whatever
its number of targets (a national campaign has hundreds)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bench.pages import statements
from service.commands import actions
from service.database import transaction
from service.demo import PLAN_DAY, drive_campaign
from service.models import Campaign, Document, Target
from service.seed.synthetic import synthetic_campaign
from tests.auth_helper import SYSTEM, api_client
from tests.test_web import signed_in, text
from tests.test_web_support import Accounts, accounts, campaign_id

__all__ = ["accounts", "campaign_id"]  # fixtures used here


def _synthetic(app: Flask, targets: int, drive: bool = False) -> int:
    """A campaign of `targets` offices with its plan issued; `drive`: every step taken (a
    notice and minutes a target, the report), its documents not rendered."""
    with app.app_context():
        if drive:
            with transaction() as db:
                found = synthetic_campaign(db, targets).id
            drive_campaign(found)
            return found
        with transaction() as db:
            found = synthetic_campaign(db, targets).id
            actions.perform(db, SYSTEM, found, "issue_plan", actions.Step(PLAN_DAY))
        return found


CAMPAIGN_PAGES = (
    "/campaigns/{id}",
    "/campaigns/{id}?kind=TB&page=2",
    "/campaigns/{id}/progress.json",
    "/campaigns/{id}/schedule",
    "/campaigns/{id}/targets",
    "/campaigns/{id}/team",
    "/campaigns/{id}/report",
    "/campaigns/{id}/notices/preview",
    "/",
    "/inbox",
    "/dashboard",
    "/registers",
)


def _queries(client: FlaskClient, campaign: int) -> dict[str, int]:
    found = {}
    for path in CAMPAIGN_PAGES:
        url = path.format(id=campaign)
        client.get(url)  # the first request of a kind may fill a process-wide cache
        with statements() as seen:
            response = client.get(url)
        assert response.status_code == 200, (url, text(response)[:500])
        found[path] = len(seen)
    return found


def test_a_campaigns_pages_cost_the_same_queries_at_any_size(
    app: Flask, client: FlaskClient, accounts: Accounts
) -> None:
    small, large = _synthetic(app, 3, drive=True), _synthetic(app, 30, drive=True)
    signed_in(client, accounts, "leader")
    assert _queries(client, small) == _queries(client, large)


API_READS = (
    "/api/v1/campaigns",
    "/api/v1/campaigns/{id}",
    "/api/v1/campaigns/{id}/lifecycle",
    "/api/v1/campaigns/{id}/documents?per_page=100",
    "/api/v1/campaigns/{id}/targets?per_page=100",
    "/api/v1/dispatches?campaign_id={id}&per_page=100",
    "/api/v1/jobs?campaign_id={id}&per_page=100",
)


def test_the_apis_reads_cost_the_same_queries_at_any_size(app: Flask) -> None:
    small, large = _synthetic(app, 3, drive=True), _synthetic(app, 30, drive=True)
    api = api_client(app, "admin")

    def queries(campaign: int) -> dict[str, int]:
        found = {}
        for path in API_READS:
            url = path.format(id=campaign)
            api.get(url)
            with statements() as seen:
                response = api.get(url)
            assert response.status_code == 200, (url, response.json)
            found[path] = len(seen)
        return found

    assert queries(small) == queries(large)


def test_the_campaign_page_pages_and_filters_its_documents_and_targets(
    app: Flask, client: FlaskClient, accounts: Accounts
) -> None:
    campaign = _synthetic(app, 60, drive=True)
    signed_in(client, accounts, "leader")
    page = text(client.get(f"/campaigns/{campaign}"))
    # The plan, the decision, 60 notices, 60 minutes and the report: 50 a page.
    assert page.count("<tr data-doc=") == 50
    assert "Trang 1/3 · 1–50 trong 123 văn bản" in page
    assert "Trang 1/2 · 1–50 trong 60 đơn vị" in page
    last = text(client.get(f"/campaigns/{campaign}?page=3&units=2"))
    assert last.count("<tr data-doc=") == 23 and "Trang 3/3" in last
    targets = last.split('id="h-targets"')[1]
    assert "Thử nghiệm 0051" in targets and "Thử nghiệm 0050" not in targets

    notices = text(client.get(f"/campaigns/{campaign}?kind=TB&status=issued"))
    assert "trong 60 văn bản" in notices
    rows = re.findall(r'<tr data-doc="\d+">\s*<td><a [^>]*>([^<]+)</a>', notices)
    assert set(rows) == {"Thông báo lịch kiểm tra"}
    # The live progress asks for the same page; a document's own page for that document.
    progress = client.get(f"/campaigns/{campaign}/progress.json?kind=TB&status=issued&page=2")
    assert progress.json["page_of"] == {"page": 2, "per_page": 50, "total": 60, "pages": 2}
    assert len(progress.json["documents"]) == 10
    with app.app_context(), transaction() as db:
        report = db.scalar(
            select(Document.id).where(Document.campaign_id == campaign, Document.kind == "BC")
        )
    one = client.get(f"/campaigns/{campaign}/progress.json?doc={report}").json["documents"]
    assert [d["id"] for d in one] == [report]

    found = text(client.get(f"/campaigns/{campaign}?q=Thử nghiệm 0042"))
    targets = found.split('id="h-targets"')[1]
    assert "huyện Thử nghiệm 0042" in targets and "Thử nghiệm 0041" not in targets
    # Unknown filters are ignored, a page past the end is the last one.
    assert client.get(f"/campaigns/{campaign}?kind=XX&status=nope&page=99").status_code == 200


def test_the_schedule_saves_the_page_it_shows(
    app: Flask, client: FlaskClient, accounts: Accounts
) -> None:
    campaign = _synthetic(app, 55)
    token = signed_in(client, accounts, "staff")
    with app.app_context(), transaction() as db:
        targets = [t.id for t in db.get(Campaign, campaign).targets]  # type: ignore[union-attr]
    first = text(client.get(f"/campaigns/{campaign}/schedule"))
    assert first.count('<tr data-target="') == 50 and "Trang 1/2" in first
    day = {"date": "2026-09-07", "start": "08:00", "end": "11:00", "place": "Trụ sở"}
    fields = {f"{k}-{t}": v for t in targets[:50] for k, v in day.items()}
    saved = client.post(f"/campaigns/{campaign}/schedule", data={"csrf_token": token, **fields})
    assert saved.status_code == 303
    assert "Đã lưu lịch kiểm tra (50 đơn vị thay đổi)" in text(client.get("/"))
    # The second page: its rows only; the 50 visits now on page 1 are not "cleared" by it.
    second_fields = {
        f"{k}-{t}": v for t in targets[50:] for k, v in {**day, "date": "2026-09-08"}.items()
    }
    saved = client.post(
        f"/campaigns/{campaign}/schedule?page=2", data={"csrf_token": token, **second_fields}
    )
    assert saved.headers["Location"].endswith("schedule?page=2")
    second = text(client.get(saved.headers["Location"]))
    assert "Đã lưu lịch kiểm tra (5 đơn vị thay đổi)" in second
    assert second.count('<tr data-target="') == 5
    with app.app_context(), transaction() as db:
        scheduled = db.scalars(select(Target).where(Target.campaign_id == campaign)).all()
        days = {t.id: t.visit.scheduled_start.day for t in scheduled if t.visit}
    assert days == {t: 7 for t in targets[:50]} | {t: 8 for t in targets[50:]}


@pytest.mark.parametrize("role", ["staff", "district"])
def test_the_campaign_list_pages_and_filters(
    app: Flask, client: FlaskClient, accounts: Accounts, campaign_id: int, role: str
) -> None:
    with app.app_context(), transaction() as db:
        demo = db.get(Campaign, campaign_id)
        assert demo is not None
        for i in range(24):
            copy = Campaign(
                issuer_id=demo.issuer_id,
                signer_id=demo.signer_id,
                year=2000 + i % 3,
                title=f"Kế hoạch thử số {i:02d}",
            )
            db.add(copy)
    signed_in(client, accounts, role)
    page = text(client.get("/"))
    if role == "district":  # only the demo names its office
        assert page.count("/campaigns/") >= 1 and "Kế hoạch thử số" not in page
        return
    assert "Trang 1/2 · 1–20 trong 25 kế hoạch" in page
    second = text(client.get("/?page=2"))
    assert "Trang 2/2 · 21–25 trong 25 kế hoạch" in second
    filtered = text(client.get("/?year=2001&q=thử số 1"))
    table = filtered.split("data-campaigns")[1].split("</table>")[0]
    titles = re.findall(r"Kế hoạch thử số (\d+)", table)
    assert sorted(set(titles)) == ["10", "13", "16", "19"]
    assert "Không có kế hoạch kiểm tra nào khớp bộ lọc" in text(client.get("/?q=không có"))


def test_the_directory_lists_page(app: Flask, client: FlaskClient, accounts: Accounts) -> None:
    _synthetic(app, 40)  # 80 more organisations: an office and a commune a target
    signed_in(client, accounts, "staff")
    first = text(client.get("/directory/organisations?kind="))
    rows = first.split("data-organisations")[1].split("</table>")[0]
    assert rows.count("<tr") == 51  # the header and 50
    pager = re.search(r"Trang 1/(\d+) · 1–50 trong (\d+) cơ quan, đơn vị", first)
    assert (
        pager and int(pager.group(2)) > 80 and int(pager.group(1)) == -(-int(pager.group(2)) // 50)
    )
    found = text(client.get("/directory/organisations?kind=&q=Thử nghiệm 0007&page=3"))
    assert "Thử nghiệm 0007" in found and "Trang 1/" not in found  # one page: no pager
