"""An archived campaign is closed: every change to it is refused with one message, through the
API and the UI alike; a leader reopens it with a reason, and archiving it again files a new case
file, its second edition (issue 14)."""

from __future__ import annotations

import html
import io
import json
import zipfile
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from service.archive import builder, naming
from service.archive.catalogue import collect
from service.archive.register import register_csv
from service.auth.rules import REFUSALS
from service.commands import actions, archiving
from service.commands.campaigns import CLOSED
from service.database import transaction
from service.demo import drive_campaign
from service.models import (
    ArchiveBuild,
    Campaign,
    Document,
    Job,
    LifecycleEvent,
    Organisation,
    Person,
)
from tests.auth_helper import SYSTEM, api_client
from tests.test_archive import read_member, render_only
from tests.test_web_support import Accounts, accounts, campaign_id, csrf_token, sign_in
from workflows.lifecycle import REOPEN, TRANSITIONS, Stage
from workflows.vocabulary import ArchiveState, JobKind

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


REASON_NEEDED = TRANSITIONS[REOPEN].reason_needed


def _events(campaign_id: int) -> list[LifecycleEvent]:
    with transaction() as db:
        found = db.scalars(
            select(LifecycleEvent)
            .where(LifecycleEvent.campaign_id == campaign_id, LifecycleEvent.action == REOPEN)
            .order_by(LifecycleEvent.id)
        ).all()
        db.expunge_all()
        return list(found)


def _builds(campaign_id: int) -> list[tuple[int, str]]:
    with transaction() as db:
        rows = db.execute(
            select(ArchiveBuild.id, ArchiveBuild.state)
            .where(ArchiveBuild.campaign_id == campaign_id)
            .order_by(ArchiveBuild.id)
        )
        return [(row.id, row.state) for row in rows]


def _first_build_done(campaign_id: int) -> None:
    """The report's build finished, as a worker would have done it before the reopening."""
    with transaction() as db:
        for build in db.scalars(
            select(ArchiveBuild).where(ArchiveBuild.campaign_id == campaign_id)
        ):
            build.state = ArchiveState.DONE


def test_only_a_leader_reopens_with_a_reason_and_archiving_again_files_edition_two(
    app: Flask, campaign_id: int, archived: dict[str, int], tmp_path: Any
) -> None:
    reopen = f"/api/v1/campaigns/{campaign_id}/actions/reopen"
    staff = api_client(app, "staff").post(reopen, json={"reason": "Bổ sung biên bản"})
    assert staff.status_code == 403 and staff.get_json()["message"] == REFUSALS["campaign.reopen"]
    leader = api_client(app, "leader")
    for blank in ({}, {"reason": ""}, {"reason": "  \n "}):
        refused = leader.post(reopen, json=blank)
        assert refused.status_code == 422, refused.get_json()
        assert refused.get_json()["detail"]["json"]["reason"] == [REASON_NEEDED]
    assert _events(campaign_id) == []
    _first_build_done(campaign_id)
    [(first, _)] = _builds(campaign_id)

    opened = leader.post(reopen, json={"reason": "  Bổ sung kết luận theo ý kiến Giám đốc Sở "})
    assert opened.status_code == 200, opened.get_json()
    assert opened.get_json()["stage"] == Stage.REPORT_ISSUED
    [event] = _events(campaign_id)
    assert event.actor.startswith("api-leader-")
    assert event.reason == "Bổ sung kết luận theo ý kiến Giám đốc Sở"
    assert (event.from_stage, event.to_stage) == (Stage.ARCHIVED, Stage.REPORT_ISSUED)
    again = leader.post(reopen, json={"reason": "Lần nữa"})
    assert again.status_code == 409  # only an archived campaign is reopened
    edited = leader.patch(f"/api/v1/campaigns/{campaign_id}", json={"method": "Kiểm tra lại"})
    assert edited.status_code == 200, edited.get_json()

    archived_again = leader.post(f"/api/v1/campaigns/{campaign_id}/actions/archive", json={})
    assert archived_again.status_code == 200 and archived_again.get_json()["stage"] == "archived"
    builds = _builds(campaign_id)
    assert builds[0] == (first, ArchiveState.DONE) and len(builds) == 2  # the old one is kept
    second = builds[1][0]
    assert builds[1][1] == ArchiveState.QUEUED
    with transaction() as db:
        job = db.scalar(
            select(Job).where(Job.kind == JobKind.ARCHIVE, Job.key == f"archive:{second}")
        )
        assert job is not None
    closed = leader.patch(f"/api/v1/campaigns/{campaign_id}", json={"method": "Khác"})
    assert closed.status_code == 409 and closed.get_json()["problems"] == [CLOSED]

    with app.app_context():
        render_only()
        with transaction() as db:
            case = collect(db, campaign_id)
            register = register_csv(db, case, "Asia/Ho_Chi_Minh")
        assert case.edition == 2 and case.root.endswith(" (lần 2)")
        path = tmp_path / f"{case.root}.zip"
        builder.write_archive(path, case, register, archiving.read_document_file, None, _quiet)
    data = path.read_bytes()
    assert {name.split("/")[0] for name in read_names(data)} == {case.root}
    assert (
        "Hồ sơ lần 2: lập lại sau khi kế hoạch được mở lại"
        in read_member(data, naming.CLOSING_NAME).decode()
    )
    metadata = json.loads(read_member(data, f"{naming.METADATA_STEM}.json"))
    assert metadata["file"]["edition"] == 2


def _quiet(_done: int, _total: int) -> None:
    """No progress to record: the test writes the ZIP itself."""


def read_names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_a_long_title_keeps_its_edition_in_the_name() -> None:
    first = naming.root_name("SLĐTBXH.2023.01.PCTNXH", "Kiểm tra " * 30)
    second = naming.root_name("SLĐTBXH.2023.01.PCTNXH", "Kiểm tra " * 30, 2)
    assert "lần" not in first and second.endswith(" (lần 2)")
    assert len(second) <= naming.ROOT_CHARS and not naming.unsafe_reason(second)


def test_the_ui_offers_reopening_to_leaders_only_and_asks_for_the_reason(
    app: Flask, accounts: Accounts, campaign_id: int, archived: dict[str, int]
) -> None:
    page = f"/campaigns/{campaign_id}"
    staff = app.test_client()
    assert sign_in(staff, *accounts["staff"]).status_code == 303
    assert "data-reopen" not in staff.get(page).get_data(as_text=True)
    token = csrf_token(staff.get("/").get_data(as_text=True))
    refused = staff.post(f"{page}/actions/reopen", data={"csrf_token": token, "reason": "Sửa"})
    assert refused.status_code == 403
    assert REFUSALS["campaign.reopen"] in html.unescape(refused.get_data(as_text=True))

    leader = app.test_client()
    assert sign_in(leader, *accounts["leader"]).status_code == 303
    shown = leader.get(page).get_data(as_text=True)
    assert "data-reopen" in shown and 'name="reason"' in shown
    token = csrf_token(shown)
    blank = leader.post(f"{page}/actions/reopen", data={"csrf_token": token, "reason": " "})
    assert blank.status_code == 303
    assert REASON_NEEDED in html.unescape(leader.get(page).get_data(as_text=True))
    assert _events(campaign_id) == []

    reason = "Bổ sung biên bản còn thiếu chữ ký"
    opened = leader.post(f"{page}/actions/reopen", data={"csrf_token": token, "reason": reason})
    assert opened.status_code == 303
    after = html.unescape(leader.get(page).get_data(as_text=True))
    assert actions.ACTIONS[REOPEN].done in after and reason in after  # on the timeline
    assert "data-reopen" not in after
    [event] = _events(campaign_id)
    assert event.reason == reason and event.actor == accounts["leader"][0]
    saved = leader.post(
        f"{page}/report", data={"csrf_token": token, "report-results": "Sửa sau khi mở lại"}
    )
    assert saved.status_code == 303
    assert CLOSED not in html.unescape(leader.get(page).get_data(as_text=True))
