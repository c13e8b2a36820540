"""An archived campaign is closed: every change to it is refused with one message, through the
API and the UI alike (issue 14)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from service.commands import actions
from service.commands.campaigns import CLOSED
from service.database import transaction
from service.demo import drive_campaign
from service.models import Campaign, Document, Organisation, Person
from tests.auth_helper import SYSTEM, api_client
from tests.test_web_support import Accounts, accounts, campaign_id, csrf_token, sign_in
from workflows.lifecycle import Stage

__all__ = ["accounts", "campaign_id"]  # fixtures used here


@pytest.fixture
def archived(app: Flask, campaign_id: int) -> dict[str, int]:
    """The demo campaign driven to its end and archived; ids of what the refusals aim at."""
    with app.app_context():
        drive_campaign(campaign_id)
        with transaction() as db:
            actions.perform(db, SYSTEM, campaign_id, "archive")
        with transaction() as db:
            campaign = db.get(Campaign, campaign_id)
            assert campaign is not None and campaign.stage == Stage.ARCHIVED
            office = Organisation(
                kind="district_office", name="Phòng mới", code="MOI", district="x"
            )
            person = Person(full_name="Người mới", position="Chuyên viên")
            db.add_all([office, person])
            db.flush()
            target = campaign.targets[0]
            assert target.visit is not None
            plan = db.scalar(select(Document.id).where(Document.kind == "KH"))
            assert plan is not None
            return {
                "office": office.id,
                "person": person.id,
                "target": target.id,
                "visit": target.visit.id,
                "plan": plan,
            }


def test_every_api_write_to_an_archived_campaign_is_refused(
    app: Flask, campaign_id: int, archived: dict[str, int]
) -> None:
    client = api_client(app, "leader")
    visit, target = archived["visit"], archived["target"]
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", f"/api/v1/campaigns/{campaign_id}", {"method": "Khác"}),
        ("POST", f"/api/v1/campaigns/{campaign_id}/targets", {"office_id": archived["office"]}),
        (
            "POST",
            f"/api/v1/campaigns/{campaign_id}/members",
            {"person_id": archived["person"], "role": "thanh_vien"},
        ),
        (
            "POST",
            f"/api/v1/campaigns/{campaign_id}/visits",
            {
                "target_id": target,
                "start": "2023-10-02T08:00:00",
                "end": "2023-10-02T11:00:00",
                "place": "Trụ sở",
            },
        ),
        ("POST", f"/api/v1/visits/{visit}/result", {"unit_comments": "Sửa sau khi lưu trữ"}),
        ("POST", f"/api/v1/visits/{visit}/skip", {"reason": "Hủy sau khi lưu trữ"}),
        ("POST", f"/api/v1/campaigns/{campaign_id}/documents", {"kind": "KH"}),
    ]
    for method, path, body in calls:
        response = client.open(path, method=method, json=body)
        assert response.status_code == 409, (path, response.status_code, response.get_json())
        assert response.get_json()["problems"] == [CLOSED], path


def test_every_ui_write_to_an_archived_campaign_is_refused(
    app: Flask, accounts: Accounts, campaign_id: int, archived: dict[str, int]
) -> None:
    client = app.test_client()
    assert sign_in(client, *accounts["leader"]).status_code == 303
    token = csrf_token(client.get("/").get_data(as_text=True))
    visit = archived["visit"]
    forms: list[tuple[str, dict[str, Any]]] = [
        (f"/campaigns/{campaign_id}/targets", {"office_id": archived["office"]}),
        (f"/campaigns/{campaign_id}/team", {"person_id": archived["person"], "role": "thanh_vien"}),
        (f"/campaigns/{campaign_id}/report", {"report-results": "Sửa sau khi lưu trữ"}),
        (f"/campaigns/{campaign_id}/documents", {"kind": "KH"}),
        (f"/visits/{visit}/cancel", {"reason": "Hủy sau khi lưu trữ"}),
        (f"/visits/{visit}", {"unit_comments": "Sửa sau khi lưu trữ"}),
    ]
    for path, form in forms:
        response = client.post(path, data={"csrf_token": token, **form})
        shown = html.unescape(response.get_data(as_text=True))
        if response.status_code == 303:  # refused on the page it came from, as a flash
            shown = html.unescape(client.get("/").get_data(as_text=True))
        assert CLOSED in shown, (path, response.status_code)
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None and campaign.stage == Stage.ARCHIVED
        assert all(t.office_id != archived["office"] for t in campaign.targets)
