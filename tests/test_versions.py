"""No lost update: a write based on an older version of a record is refused, says what changed,
and writes nothing, through the API (`If-Match`) and the UI (two tabs of the same form)."""

from __future__ import annotations

import html
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from service import commands
from service.commands import documents, visits
from service.database import transaction
from service.errors import RACED
from service.models import Campaign
from service.web.submit import KEPT
from tests.auth_helper import SYSTEM, api_client, campaign_targets
from tests.test_web_support import Accounts, accounts, campaign_id, csrf_token, sign_in

__all__ = ["accounts", "campaign_id"]  # fixtures used here


def _campaign(app: Flask, campaign_id: int) -> Campaign:
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign


# --- the API --------------------------------------------------------------------------------


def test_a_stale_patch_is_409_with_what_changed_and_writes_nothing(
    app: Flask, campaign_id: int
) -> None:
    first, second = api_client(app, "staff"), api_client(app, "staff")
    read = first.get(f"/api/v1/campaigns/{campaign_id}")
    version = read.get_json()["version"]
    assert read.headers["ETag"] == f'"{version}"'
    purposes = read.get_json()["purposes"]

    saved = first.patch(
        f"/api/v1/campaigns/{campaign_id}",
        json={"title": "Kế hoạch đã sửa ở nơi thứ nhất"},
        headers={"If-Match": read.headers["ETag"]},
    )
    assert saved.status_code == 200
    assert saved.get_json()["version"] == version + 1
    assert saved.headers["ETag"] == f'"{version + 1}"'

    stale = second.patch(
        f"/api/v1/campaigns/{campaign_id}",
        json={"title": "Tên cũ gửi lại", "purposes": ["Mục đích của nơi thứ hai"]},
        headers={"If-Match": read.headers["ETag"]},
    )
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["version"] == version + 1 and stale.headers["ETag"] == f'"{version + 1}"'
    assert body["changed"] == ["title"]
    [problem] = body["problems"]
    assert "tên kế hoạch" in problem and f"phiên bản {version + 1}" in problem
    assert "api-staff-" in problem  # the first client's account, and when
    campaign = _campaign(app, campaign_id)
    assert campaign.title == "Kế hoạch đã sửa ở nơi thứ nhất"
    assert campaign.purposes == purposes and campaign.version == version + 1


def test_without_if_match_a_change_is_accepted_as_before(
    client: FlaskClient, campaign_id: int
) -> None:
    version = client.get(f"/api/v1/campaigns/{campaign_id}").get_json()["version"]
    for year, headers in ((2024, {}), (2025, {"If-Match": "*"})):
        saved = client.patch(
            f"/api/v1/campaigns/{campaign_id}", json={"year": year}, headers=headers
        )
        assert saved.status_code == 200
        version += 1
        assert saved.get_json()["version"] == version
    wrong = client.patch(
        f"/api/v1/campaigns/{campaign_id}", json={"year": 2026}, headers={"If-Match": "cũ"}
    )
    assert wrong.status_code == 422 and "If-Match" in wrong.get_json()["detail"]["headers"]
    weak = client.patch(
        f"/api/v1/campaigns/{campaign_id}",
        json={"year": 2026},
        headers={"If-Match": f'W/"{version}"'},
    )
    assert weak.status_code == 200


def test_an_organisation_and_a_visit_are_versioned_alike(
    client: FlaskClient, campaign_id: int
) -> None:
    read = client.get("/api/v1/organisations?per_page=1").get_json()["items"][0]
    path = f"/api/v1/organisations/{read['id']}"
    tag = client.get(path).headers["ETag"]
    assert (
        client.patch(path, json={"district": "huyện Mới"}, headers={"If-Match": tag}).status_code
        == 200
    )
    stale = client.patch(path, json={"name": "Tên cũ"}, headers={"If-Match": tag})
    assert stale.status_code == 409 and stale.get_json()["changed"] == ["district"]
    assert client.get(path).get_json()["name"] == read["name"]

    assert (
        client.post(f"/api/v1/campaigns/{campaign_id}/actions/issue_plan", json={}).status_code
        == 200
    )
    target = campaign_targets(client, campaign_id)[0]["id"]
    slot = {"target_id": target, "place": "Trụ sở"}
    early = slot | {"start": "2023-09-05T08:00:00", "end": "2023-09-05T11:00:00"}
    late = slot | {"start": "2023-09-06T14:00:00", "end": "2023-09-06T16:00:00"}
    visits = f"/api/v1/campaigns/{campaign_id}/visits"
    scheduled = client.post(visits, json=early, headers={"If-Match": '"0"'})
    assert scheduled.status_code == 201
    visit, tag = scheduled.get_json(), scheduled.headers["ETag"]
    assert client.get(f"/api/v1/visits/{visit['id']}").headers["ETag"] == tag
    assert client.post(visits, json=late, headers={"If-Match": tag}).status_code == 201
    for base in (tag, '"0"'):  # the first schedule's version, and "none yet"
        refused = client.post(visits, json=early, headers={"If-Match": base})
        assert refused.status_code == 409 and "giờ bắt đầu" in refused.get_json()["message"]
    moved = client.get(f"/api/v1/visits/{visit['id']}").get_json()
    assert moved["scheduled_start"].startswith("2023-09-06T14:00")
    stale = client.post(
        f"/api/v1/visits/{visit['id']}/result",
        json={"unit_comments": "x"},
        headers={"If-Match": tag},
    )
    assert stale.status_code == 409 and stale.get_json()["version"] == moved["version"]


def test_two_writers_passing_the_check_at_once_cannot_both_win(
    app: Flask, client: FlaskClient, campaign_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row's version guards the UPDATE itself: a row changed behind the session's back."""
    with app.app_context(), pytest.raises(StaleDataError), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        db.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(version=Campaign.version + 1)
            .execution_options(synchronize_session=False)
        )
        campaign.title = "Ghi đè"
        db.flush()
    assert _campaign(app, campaign_id).title != "Ghi đè"

    def raced(*_args: Any, **_kwargs: Any) -> None:
        raise StaleDataError("UPDATE statement on table 'campaigns' expected to update 1 row")

    monkeypatch.setattr(commands.campaigns, "update", raced)
    answer = client.patch(f"/api/v1/campaigns/{campaign_id}", json={"year": 2024})
    assert answer.status_code == 409 and answer.get_json() == {"message": RACED}  # try again


# --- the UI: two tabs of one form -----------------------------------------------------------


class _FormReader(HTMLParser):
    """What a browser submits from the form posting to `action`: its inputs, text areas and
    chosen options, without the rows kept in <template> for scripts."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.hidden = action, False, 0
        self.fields: list[tuple[str, str]] = []
        self.area: str | None = None
        self.select: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif tag == "template":
            self.hidden += 1
        elif not self.inside or self.hidden or "disabled" in a:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "submit"):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.fields.append((a["name"], "on"))
        elif tag == "textarea":
            self.area, self.text = a.get("name"), ""
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "template":
            self.hidden -= 1
        elif tag == "textarea" and self.area:
            self.fields.append((self.area, self.text.removeprefix("\n")))
            self.area = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.area:
            self.text += data


def _form(page: str, action: str) -> dict[str, list[str]]:
    reader = _FormReader(action)
    reader.feed(page)
    fields: dict[str, list[str]] = {}
    for name, value in reader.fields:
        fields.setdefault(name, []).append(value)
    return fields


def _tab(app: Flask, accounts: Accounts, role: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, *accounts[role]).status_code == 303
    return client


def test_a_second_tab_saving_the_plan_keeps_its_input_and_erases_nothing(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    plan = f"/campaigns/{campaign_id}/plan"
    first, second = _tab(app, accounts, "staff"), _tab(app, accounts, "leader")
    one = _form(first.get(plan).get_data(as_text=True), plan)
    two = _form(second.get(plan).get_data(as_text=True), plan)
    version = _campaign(app, campaign_id).version
    assert one["version"] == two["version"] == [str(version)]

    one["title"] = ["Kế hoạch sửa ở thẻ thứ nhất"]
    assert first.post(plan, data=one).status_code == 303
    two["purposes"] = ["Mục đích nhập ở thẻ thứ hai"]
    refused = second.post(plan, data=two)
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409
    assert "Mục đích nhập ở thẻ thứ hai" in page  # nothing typed is lost
    assert "Đã thay đổi: tên kế hoạch" in page and accounts["staff"][0] in page and KEPT in page
    assert 'data-error-for="title"' in page  # the field changed meanwhile is marked
    campaign = _campaign(app, campaign_id)
    assert campaign.title == "Kế hoạch sửa ở thẻ thứ nhất"  # the first tab's field stays
    assert "Mục đích nhập ở thẻ thứ hai" not in campaign.purposes
    assert campaign.version == version + 1

    again = _form(page, plan)  # shown on the current version: saving again is a choice
    assert again["version"] == [str(version + 1)]
    again["title"] = ["Kế hoạch sửa ở thẻ thứ nhất"]
    assert second.post(plan, data=again).status_code == 303
    campaign = _campaign(app, campaign_id)
    assert campaign.title == "Kế hoạch sửa ở thẻ thứ nhất"
    assert campaign.purposes == ["Mục đích nhập ở thẻ thứ hai"]


def test_the_report_form_and_a_form_without_a_version(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    report = f"/campaigns/{campaign_id}/report"
    tab = _tab(app, accounts, "staff")
    shown = _form(tab.get(report).get_data(as_text=True), report)
    token = csrf_token(tab.get("/").get_data(as_text=True))
    # A form posted without a version (a page from before versions) is saved as before.
    assert tab.post(report, data={"csrf_token": token, "report-results": "Một"}).status_code == 303
    refused = tab.post(report, data=shown | {"report-causes": ["Nguyên nhân"]})
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409 and "báo cáo kết quả" in page and "Nguyên nhân" in page
    assert _campaign(app, campaign_id).report_sections.get("results") == ["Một"]


def test_a_save_racing_another_keeps_the_input(
    app: Flask, accounts: Accounts, campaign_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = f"/campaigns/{campaign_id}/plan"
    tab = _tab(app, accounts, "staff")
    shown = _form(tab.get(plan).get_data(as_text=True), plan)

    def raced(*_args: Any, **_kwargs: Any) -> None:
        raise StaleDataError("UPDATE statement on table 'campaigns' expected to update 1 row")

    monkeypatch.setattr(commands.campaigns, "update", raced)
    answer = tab.post(plan, data=shown | {"title": ["Tên đang nhập"]})
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 422 and RACED in page and 'value="Tên đang nhập"' in page


def test_a_second_tab_entering_a_visit_keeps_its_input(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        documents.issue(db, SYSTEM, documents.draft(db, SYSTEM, campaign_id, "KH").id)
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for day, target in enumerate(campaign.targets, start=5):
            start, end = datetime(2023, 9, day, 8), datetime(2023, 9, day, 11)
            visits.schedule(
                db,
                SYSTEM,
                campaign_id,
                target.id,
                start,
                end,
                "Trụ sở",
                confirm_non_working_days=True,
            )
        visits.announce(db, SYSTEM, campaign, None)
        visit = campaign.targets[0].visit
        assert visit is not None
        path = f"/visits/{visit.id}"
    first, second = _tab(app, accounts, "staff"), _tab(app, accounts, "leader")
    one = _form(first.get(path).get_data(as_text=True), path)
    two = _form(second.get(path).get_data(as_text=True), path)
    one["unit_comments"] = ["Ý kiến ghi ở thẻ thứ nhất"]
    assert first.post(path, data=one).status_code == 303
    two["findings.1"] = ["Kết quả ghi ở thẻ thứ hai"]
    refused = second.post(path, data=two)
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409 and "Kết quả ghi ở thẻ thứ hai" in page
    assert "ý kiến của đơn vị" in page and 'data-error-for="unit_comments"' in page
    with app.app_context(), transaction() as db:
        saved = db.get(type(visit), visit.id)
        assert saved is not None and saved.unit_comments == "Ý kiến ghi ở thẻ thứ nhất"
        assert saved.findings.get("1") != "Kết quả ghi ở thẻ thứ hai"
