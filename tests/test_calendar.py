"""Dates make sense: visits on a day off need a confirmation (kept, asked once), results wait for
the visit's day, minutes are dated their visit's day, documents are dated neither in the future
nor before what they cite."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.commands import actions, documents, visits, working_days
from service.database import transaction
from service.demo import NOTICE_DAY, PLAN_DAY, TEAM_DAY, visit_start
from service.errors import Conflict, Invalid
from service.models import Campaign, Document, Visit
from service.models.user import AuditEntry
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM, campaign_targets
from tests.jobs_helper import run_due_jobs
from tests.test_web import signed_in, text
from tests.test_web_support import Accounts, accounts, campaign_id
from workflows import calendar
from workflows.vocabulary import JobKind

__all__ = ["accounts", "campaign_id"]  # fixtures used here

SATURDAY = datetime(2023, 9, 9, 8, 0)
SUNDAY = datetime(2023, 9, 10, 8, 0)
TUESDAY = datetime(2023, 9, 5, 8, 0)
CONFIRM = "Tôi xác nhận lịch vào ngày nghỉ"


# ---------------------------------------------------------------- the rules, no database


def test_weekends_and_public_holidays_are_named_in_vietnamese() -> None:
    assert calendar.non_working(date(2023, 9, 9)) == "Thứ bảy"
    assert calendar.non_working(date(2023, 9, 10)) == "Chủ nhật"
    assert calendar.non_working(date(2023, 9, 5)) is None  # a Tuesday
    assert calendar.non_working(date(2023, 9, 2)) == "Quốc khánh"  # a holiday on a Saturday
    assert calendar.non_working(date(2023, 9, 4)) == "Quốc khánh (nghỉ bù)"  # a Monday off
    assert calendar.non_working(date(2023, 1, 23)) == "Mùng hai Tết Nguyên Đán"
    assert calendar.non_working(date(2024, 4, 30)) == "Ngày Chiến thắng"
    assert calendar.day_note(date(2023, 9, 10)) == "Chủ nhật, 10/9/2023"


def test_working_days_skip_weekends_and_holidays() -> None:
    days = calendar.working_days(date(2023, 9, 1))  # 1, 2 and 4 September are off
    assert [next(days) for _ in range(4)] == [
        date(2023, 9, 5),
        date(2023, 9, 6),
        date(2023, 9, 7),
        date(2023, 9, 8),
    ]
    assert next(days) == date(2023, 9, 11)  # past the weekend
    # The demo campaign's visits all fall on working days, two a day.
    starts = [visit_start(i) for i in range(11)]
    assert all(calendar.non_working(s.date()) is None for s in starts)
    assert len({s.date() for s in starts}) == 6 and starts[0] == TUESDAY


def test_a_document_is_dated_neither_ahead_nor_before_what_it_cites() -> None:
    today = date(2023, 8, 21)
    plan = (date(2023, 4, 5), "Kế hoạch kiểm tra số 01/KH-SLĐTBXH")
    assert calendar.dating_problem(date(2023, 4, 5), today, [plan]) is None
    assert calendar.dating_problem(today, today, [plan]) is None
    ahead = calendar.dating_problem(date(2023, 8, 22), today, [plan])
    assert ahead is not None and "tương lai" in ahead and "21/8/2023" in ahead
    early = calendar.dating_problem(date(2023, 4, 4), today, [plan])
    assert early == (
        "Ngày ban hành 04/4/2023 trước ngày 05/4/2023 của Kế hoạch kiểm tra số "
        "01/KH-SLĐTBXH mà văn bản này căn cứ"
    )
    decision = (date(2023, 4, 10), "Quyết định số 02/QĐ-SLĐTBXH")
    named = calendar.dating_problem(date(2023, 4, 1), today, [plan, decision])
    assert named is not None and "02/QĐ-SLĐTBXH" in named  # the latest it comes before


# ---------------------------------------------------------------- the commands


def _planned(db: Session) -> int:
    """The demo campaign with its plan and team decision issued on the demo's days."""
    with transaction() as tx:
        campaign_id = load_demo(tx, new_campaign=True).id
        actions.perform(tx, SYSTEM, campaign_id, "issue_plan", actions.Step(PLAN_DAY))
        actions.perform(tx, SYSTEM, campaign_id, "decide_team", actions.Step(TEAM_DAY))
    return campaign_id


def _targets(campaign_id: int) -> list[int]:
    with transaction() as tx:
        campaign = tx.get(Campaign, campaign_id)
        assert campaign is not None
        return [t.id for t in campaign.targets]


def _schedule(campaign_id: int, target_id: int, start: datetime, confirm: bool = False) -> Visit:
    with transaction() as tx:
        return visits.schedule(
            tx,
            SYSTEM,
            campaign_id,
            target_id,
            start,
            start + timedelta(hours=3),
            "Trụ sở",
            confirm_non_working_days=confirm,
        )


def _confirmations(visit_id: int) -> list[str]:
    with transaction() as tx:
        return list(
            tx.scalars(
                select(AuditEntry.detail).where(
                    AuditEntry.action == working_days.CONFIRMED,
                    AuditEntry.object_id == str(visit_id),
                )
            )
        )


def test_a_visit_on_a_day_off_needs_a_confirmation_asked_once(db: Session) -> None:
    campaign_id = _planned(db)
    first = _targets(campaign_id)[0]
    with pytest.raises(working_days.NonWorkingDays) as refused:
        _schedule(campaign_id, first, SATURDAY)
    assert refused.value.days.keys() == {first}
    assert refused.value.problems[0].startswith("Lịch kiểm tra tại Phòng ")
    assert refused.value.problems[0].endswith("vào ngày nghỉ: Thứ bảy, 09/9/2023")
    with transaction() as tx:
        assert tx.scalar(select(Visit).where(Visit.target_id == first)) is None  # nothing saved

    visit = _schedule(campaign_id, first, SATURDAY, confirm=True)
    assert _confirmations(visit.id) == ["2023-09-09 Thứ bảy"]
    # The same day again (another hour) is not asked about; another day off is.
    _schedule(campaign_id, first, SATURDAY + timedelta(hours=5))
    with pytest.raises(working_days.NonWorkingDays, match="Chủ nhật, 10/9/2023"):
        _schedule(campaign_id, first, SUNDAY)
    _schedule(campaign_id, first, TUESDAY)  # a working day needs nothing
    assert _confirmations(visit.id) == ["2023-09-09 Thứ bảy"]


def test_the_notices_wait_for_every_day_off_to_be_confirmed(db: Session) -> None:
    campaign_id = _planned(db)
    targets = _targets(campaign_id)
    for i, target_id in enumerate(targets):
        _schedule(campaign_id, target_id, visit_start(i))
    with transaction() as tx:  # a visit set on a Sunday before this rule (or by hand)
        visit = tx.scalar(select(Visit).where(Visit.target_id == targets[2]))
        assert visit is not None
        visit.scheduled_start, visit.scheduled_end = SUNDAY, SUNDAY + timedelta(hours=3)
        visit_id = visit.id

    def announce(confirm: bool) -> None:
        with transaction() as tx:
            campaign = tx.get(Campaign, campaign_id)
            assert campaign is not None
            step = actions.Step(NOTICE_DAY, confirm_non_working_days=confirm)
            actions.perform(tx, SYSTEM, campaign_id, "schedule_visits", step)

    with pytest.raises(working_days.NonWorkingDays) as refused:
        announce(False)
    assert list(refused.value.days) == [targets[2]]
    assert refused.value.problems[-1] == working_days.HINT
    with transaction() as tx:
        campaign = tx.get(Campaign, campaign_id)
        assert campaign is not None and campaign.stage == "team_decided"  # nothing taken
    announce(True)
    assert _confirmations(visit_id) == ["2023-09-10 Chủ nhật"]
    run_due_jobs(kind=JobKind.ISSUE)
    with transaction() as tx:
        notices = tx.scalars(select(Document).where(Document.kind == "TB")).all()
        assert len(notices) == len(targets)
        assert {n.issue_date for n in notices} == {NOTICE_DAY}


def test_results_wait_for_the_visit_and_minutes_are_dated_its_day(db: Session) -> None:
    campaign_id = _planned(db)
    targets = _targets(campaign_id)
    later = next(calendar.working_days(date.today() + timedelta(days=30)))
    for i, target_id in enumerate(targets):
        start = visit_start(i) if i else datetime.combine(later, TUESDAY.time())
        _schedule(campaign_id, target_id, start)
    with transaction() as tx:
        actions.perform(tx, SYSTEM, campaign_id, "schedule_visits", actions.Step(NOTICE_DAY))
        ahead = tx.scalar(select(Visit).where(Visit.target_id == targets[0]))
        held = tx.scalar(select(Visit).where(Visit.target_id == targets[1]))
        assert ahead is not None and held is not None
        ahead_id, held_id, held_day = ahead.id, held.id, held.scheduled_start.date()
    run_due_jobs(kind=JobKind.ISSUE)
    with pytest.raises(Conflict, match="Chưa đến ngày kiểm tra"), transaction() as tx:
        visits.record(tx, SYSTEM, ahead_id, {"unit_comments": "Chưa kiểm tra"})
    with pytest.raises(Invalid) as refused, transaction() as tx:
        moment = datetime.combine(later, TUESDAY.time())
        visits.record(
            tx, SYSTEM, held_id, {"actual_start": moment, "actual_end": moment + timedelta(hours=2)}
        )
    assert "Chưa đến ngày kiểm tra" in refused.value.fields["actual_start"]

    with transaction() as tx:
        visits.record(tx, SYSTEM, held_id, {"unit_comments": "Thống nhất"})
        minutes = documents.draft(tx, SYSTEM, campaign_id, "BB", visit_id=held_id)
        minutes_id = minutes.id
    with pytest.raises(Invalid) as early, transaction() as tx:
        documents.issue(tx, SYSTEM, minutes_id, held_day - timedelta(days=1))
    assert "của cuộc kiểm tra tại" in early.value.fields["issue_date"]
    with transaction() as tx:
        assert documents.issue(tx, SYSTEM, minutes_id).issue_date == held_day

    # The report sums the minutes: never dated before the latest of them.
    with transaction() as tx:
        for target_id in targets:
            visit = tx.scalar(select(Visit).where(Visit.target_id == target_id))
            if visit is not None and visit.id != held_id:
                visits.cancel(tx, SYSTEM, visit.id, "Lùi sang đợt sau")
        campaign = tx.get(Campaign, campaign_id)
        assert campaign is not None and campaign.stage == "minutes_issued"
    with pytest.raises(Invalid) as report, transaction() as tx:
        step = actions.Step(held_day - timedelta(days=1))
        actions.perform(tx, SYSTEM, campaign_id, "issue_report", step)
    assert "Biên bản kiểm tra số 01/BB-ĐKT" in report.value.fields["issue_date"]


def test_documents_are_dated_after_what_they_cite_and_not_ahead(db: Session) -> None:
    with transaction() as tx:
        campaign_id = load_demo(tx, new_campaign=True).id
        actions.perform(tx, SYSTEM, campaign_id, "issue_plan", actions.Step(PLAN_DAY))
    for day, expected in (
        (PLAN_DAY - timedelta(days=1), "của Kế hoạch kiểm tra số 01/KH-SLĐTBXH"),
        (SYSTEM.today() + timedelta(days=1), "Không thể ghi ngày ban hành trong tương lai"),
    ):
        with pytest.raises(Invalid) as refused, transaction() as tx:
            actions.perform(tx, SYSTEM, campaign_id, "decide_team", actions.Step(day))
        assert expected in refused.value.fields["issue_date"]
    with transaction() as tx:
        actions.perform(tx, SYSTEM, campaign_id, "decide_team", actions.Step(TEAM_DAY))
    for i, target_id in enumerate(_targets(campaign_id)):
        _schedule(campaign_id, target_id, visit_start(i))
    with pytest.raises(Invalid) as notices, transaction() as tx:
        step = actions.Step(TEAM_DAY - timedelta(days=1))
        actions.perform(tx, SYSTEM, campaign_id, "schedule_visits", step)
    assert "Quyết định thành lập Đoàn kiểm tra số" in notices.value.fields["issue_date"]
    with transaction() as tx:
        campaign = tx.get(Campaign, campaign_id)
        assert campaign is not None and campaign.stage == "team_decided"


# ---------------------------------------------------------------- the API and the UI


def _plan_issued_api(client: FlaskClient, campaign_id: int) -> list[dict[str, Any]]:
    for action, day in (("issue_plan", PLAN_DAY), ("decide_team", TEAM_DAY)):
        response = client.post(
            f"/api/v1/campaigns/{campaign_id}/actions/{action}", json={"issue_date": str(day)}
        )
        assert response.status_code == 200, response.json
    targets: list[dict[str, Any]] = campaign_targets(client, campaign_id)
    return targets


def test_api_refuses_a_day_off_until_confirmed(client: FlaskClient, campaign_id: int) -> None:
    targets = _plan_issued_api(client, campaign_id)
    body = {
        "target_id": targets[0]["id"],
        "start": "2023-09-02T08:00:00",
        "end": "2023-09-02T11:00:00",
        "place": "Trụ sở",
    }
    path = f"/api/v1/campaigns/{campaign_id}/visits"
    refused = client.post(path, json=body)
    assert refused.status_code == 409
    assert "vào ngày nghỉ: Quốc khánh, 02/9/2023" in refused.json["problems"][0]
    assert campaign_targets(client, campaign_id)[0]["visit"] is None
    confirmed = client.post(path, json=body | {"confirm_non_working_days": True})
    assert confirmed.status_code == 201, confirmed.json
    assert _confirmations(confirmed.json["id"]) == ["2023-09-02 Quốc khánh"]
    bad = client.post(path, json=body | {"confirm_non_working_days": "maybe"})
    assert bad.status_code == 422
    for i, target in enumerate(targets[1:], start=1):
        start = visit_start(i)
        response = client.post(
            path,
            json={
                "target_id": target["id"],
                "start": start.isoformat(),
                "end": (start + timedelta(hours=3)).isoformat(),
            },
        )
        assert response.status_code == 201, response.json
    announced = client.post(
        f"/api/v1/campaigns/{campaign_id}/actions/schedule_visits",
        json={"issue_date": str(NOTICE_DAY)},
    )
    assert announced.status_code == 202, announced.json  # confirmed once, not asked again
    notice = client.post(
        f"/api/v1/campaigns/{campaign_id}/documents",
        json={"kind": "TB", "target_id": targets[1]["id"]},
    ).json
    future = client.post(
        f"/api/v1/documents/{notice['id']}/issue",
        json={"issue_date": str(date.today() + timedelta(days=3))},
    )
    assert future.status_code == 422
    assert "tương lai" in future.json["detail"]["json"]["issue_date"][0]


def test_schedule_page_asks_to_confirm_a_day_off_and_keeps_the_input(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        actions.perform(db, SYSTEM, campaign_id, "issue_plan", actions.Step(PLAN_DAY))
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        first = campaign.targets[0].id
    token = signed_in(client, accounts, "staff")
    rows = {
        f"date-{first}": "2023-09-09",
        f"start-{first}": "08:00",
        f"end-{first}": "11:00",
        f"place-{first}": "Trụ sở",
        f"version-{first}": "0",
    }
    path = f"/campaigns/{campaign_id}/schedule"
    response = client.post(path, data={"csrf_token": token} | rows)
    page = text(response)
    assert response.status_code == 409
    assert "vào ngày nghỉ: Thứ bảy, 09/9/2023" in page and CONFIRM in page
    assert re.search(rf'name="date-{first}" value="2023-09-09"', page)  # the input is kept
    assert 'name="confirm_non_working_days"' in page
    with app.app_context(), transaction() as db:
        assert db.scalar(select(Visit).where(Visit.target_id == first)) is None

    confirmed = rows | {"confirm_non_working_days": "on"}
    response = client.post(path, data={"csrf_token": token} | confirmed)
    assert response.status_code == 303
    page = text(client.get(path))
    assert "Ngày nghỉ (Thứ bảy, 09/9/2023), đã xác nhận" in page
    assert CONFIRM not in page  # nothing left to confirm


def test_announcing_asks_to_confirm_a_day_off_nobody_confirmed(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        actions.perform(db, SYSTEM, campaign_id, "issue_plan", actions.Step(PLAN_DAY))
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for i, target in enumerate(campaign.targets):
            start = visit_start(i)
            visits.schedule(
                db, SYSTEM, campaign_id, target.id, start, start + timedelta(hours=3), "Trụ sở"
            )
        legacy = campaign.targets[3].visit  # set on a Sunday before the rule
        assert legacy is not None
        legacy.scheduled_start, legacy.scheduled_end = SUNDAY, SUNDAY + timedelta(hours=3)
        office = campaign.targets[3].office.name
    token = signed_in(client, accounts, "leader")
    path = f"/campaigns/{campaign_id}/schedule"
    page = text(client.get(path))
    assert f"Lịch kiểm tra tại {office} vào ngày nghỉ: Chủ nhật, 10/9/2023" in page
    assert "Ngày nghỉ (Chủ nhật, 10/9/2023), chưa xác nhận" in page
    # The preview of the notices, before they are issued, asks for the confirmation.
    preview = text(client.get(f"/campaigns/{campaign_id}/notices/preview?issue_date={NOTICE_DAY}"))
    assert f"Lịch kiểm tra tại {office} vào ngày nghỉ: Chủ nhật, 10/9/2023" in preview
    assert CONFIRM in preview
    action = f"/campaigns/{campaign_id}/actions/schedule_visits"
    form = {"csrf_token": token, "issue_date": str(NOTICE_DAY)}
    refused = client.post(action, data=form, headers={"Referer": f"http://localhost{path}"})
    assert refused.status_code == 303
    page = text(client.get(refused.headers["Location"]))
    assert working_days.HINT in page and "Đã thông báo lịch kiểm tra" not in page
    done = client.post(action, data=form | {"confirm_non_working_days": "on"})
    assert done.status_code == 303
    assert "Đang ban hành thông báo lịch kiểm tra" in text(client.get(done.headers["Location"]))
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None and campaign.stage == "visits_scheduled"
