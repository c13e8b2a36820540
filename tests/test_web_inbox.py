""" "Việc chờ tôi" and the notices' preview before the batch issue, through Flask's test client:
what each role finds waiting, where each row leads, and a fixed number of queries."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from bench.pages import statements
from service.commands import actions, documents, visits
from service.database import transaction
from service.demo import NOTICE_DAY, PLAN_DAY, visit_start
from service.documents.store import put_file
from service.models import Campaign, Dispatch, Document, TeamMember, User
from tests.auth_helper import SYSTEM
from tests.test_web_support import Accounts, accounts, campaign_id, csrf_token, sign_in
from workflows.vocabulary import DispatchState, DocumentStatus

__all__ = ["accounts", "campaign_id"]  # fixtures used here


def _client(app: Any, accounts: Accounts, role: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    assert sign_in(client, *accounts[role]).status_code == 303
    return client, csrf_token(client.get("/").get_data(as_text=True))


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _plan_issued(app: Any, campaign_id: int) -> None:
    with app.app_context(), transaction() as db:
        plan = documents.draft(db, SYSTEM, campaign_id, "KH")
        documents.issue(db, SYSTEM, plan.id, PLAN_DAY)


def _schedule(app: Any, campaign_id: int) -> list[int]:
    """Every target's visit on a working day of 2023 (in the past): the targets' ids."""
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for i, target in enumerate(campaign.targets):
            start = visit_start(i)
            end = start + timedelta(hours=3)
            visits.schedule(db, SYSTEM, campaign_id, target.id, start, end, f"Trụ sở {i}")
        return [t.id for t in campaign.targets]


def _announce(app: Any, campaign_id: int) -> None:
    """The schedule announced; its notices are left to the job."""
    with app.app_context(), transaction() as db:
        actions.perform(db, SYSTEM, campaign_id, "schedule_visits", actions.Step(NOTICE_DAY))


def _fail_mail(app: Any, campaign_id: int, n: int) -> list[int]:
    """`n` more failed e-mails of the issued plan."""
    with app.app_context(), transaction() as db:
        plan = db.scalar(select(Document).where(Document.kind == "KH", Document.status == "issued"))
        assert plan is not None
        rows = [
            Dispatch(
                document_id=plan.id,
                campaign_id=campaign_id,
                recipient_name=f"Nơi nhận {key}",
                address=f"{key}@example.gov.vn",
                state=DispatchState.FAILED,
                message_id=f"<{key}@example.gov.vn>",
                attempts=3,
                last_error="550 hộp thư không tồn tại",
            )
            for key in (uuid.uuid4().hex for _ in range(n))
        ]
        db.add_all(rows)
        db.flush()
        return [r.id for r in rows]


def test_the_leader_finds_drafts_to_issue_and_staff_find_visits_and_failed_mail(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    staff, staff_csrf = _client(app, accounts, "staff")
    staff.post(f"/campaigns/{campaign_id}/documents", data={"csrf_token": staff_csrf, "kind": "KH"})
    leader, _ = _client(app, accounts, "leader")
    page = _text(leader.get("/inbox"))
    draft = re.search(r'data-inbox-draft="(\d+)"', page)
    assert draft and "Dự thảo chờ ban hành" in page and "Kế hoạch kiểm tra" in page
    assert f'href="/documents/{draft.group(1)}"' in page  # where it is issued
    assert re.search(r'data-inbox-nav>Việc chờ tôi <span class="badge">1</span>', page)
    staff_page = _text(staff.get("/inbox"))
    assert 'data-inbox="drafts"' not in staff_page  # staff do not issue
    assert "Không có cuộc kiểm tra nào chờ nhập kết quả" in staff_page

    with app.app_context(), transaction() as db:
        documents.issue(db, SYSTEM, int(draft.group(1)), PLAN_DAY)
    _schedule(app, campaign_id)
    staff_page = _text(staff.get("/inbox"))
    assert "data-inbox-visit=" not in staff_page  # results are taken once the schedule is out
    _announce(app, campaign_id)
    failed = _fail_mail(app, campaign_id, 1)[0]
    with app.app_context(), transaction() as db:
        user = db.scalar(select(User).where(User.username == accounts["staff"][0]))
        assert user is not None and user.person_id is not None
        on_team = db.scalar(
            select(TeamMember).where(
                TeamMember.campaign_id == campaign_id, TeamMember.person_id == user.person_id
            )
        )
        assert on_team is not None  # the demo staff member is on the demo team
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None and campaign.targets[0].visit is not None
        first_visit = campaign.targets[0].visit.id
        visits.cancel(db, SYSTEM, first_visit, "Đơn vị xin lùi lịch")

    staff_page = _text(staff.get("/inbox"))
    shown = re.findall(r'data-inbox-visit="(\d+)"', staff_page)
    assert len(shown) == 10 and str(first_visit) not in shown  # it is over
    assert f'href="/visits/{shown[0]}"' in staff_page and "Nhập kết quả" in staff_page
    assert f'data-inbox-failed="{failed}"' in staff_page and "550 hộp thư" in staff_page
    resent = staff.post(f"/dispatches/{failed}/resend", data={"csrf_token": staff_csrf})
    assert resent.status_code == 303
    with app.app_context(), transaction() as db:
        dispatch = db.get(Dispatch, failed)
        assert dispatch is not None and dispatch.state == DispatchState.QUEUED
    assert f'data-inbox-failed="{failed}"' not in _text(staff.get("/inbox"))

    district, _ = _client(app, accounts, "district")
    page = _text(district.get("/inbox"))
    assert all(f'data-inbox="{part}"' not in page for part in ("drafts", "visits", "failed"))


def test_a_member_off_the_team_is_not_asked_for_its_visits(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    _plan_issued(app, campaign_id)
    _schedule(app, campaign_id)
    _announce(app, campaign_id)
    with app.app_context(), transaction() as db:
        user = db.scalar(select(User).where(User.username == accounts["staff"][0]))
        assert user is not None
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.members = [m for m in campaign.members if m.person_id != user.person_id]
    staff, _ = _client(app, accounts, "staff")
    assert "data-inbox-visit=" not in _text(staff.get("/inbox"))


def test_the_inbox_runs_as_many_queries_for_one_row_as_for_many(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    _plan_issued(app, campaign_id)
    _fail_mail(app, campaign_id, 1)
    staff, _ = _client(app, accounts, "staff")
    with statements() as few:
        assert staff.get("/inbox").status_code == 200
    _schedule(app, campaign_id)
    _announce(app, campaign_id)
    _fail_mail(app, campaign_id, 5)
    with statements() as many:
        page = _text(staff.get("/inbox"))
    assert len(re.findall(r"data-inbox-visit=", page)) == 11
    assert len(many) == len(few), "\n".join(many)


def _announce_ready(app: Any, campaign_id: int) -> list[int]:
    """Plan issued, every visit scheduled; one target's notice drafted with its PDF."""
    _plan_issued(app, campaign_id)
    targets = _schedule(app, campaign_id)
    with app.app_context(), transaction() as db:
        draft = documents.draft(db, SYSTEM, campaign_id, "TB", target_id=targets[0])
        put_file(db, draft, "pdf", b"%PDF-1.4 du thao")
    return targets


def test_the_leader_previews_every_notice_then_issues_them(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    targets = _announce_ready(app, campaign_id)
    staff, _ = _client(app, accounts, "staff")
    schedule = _text(staff.get(f"/campaigns/{campaign_id}/schedule"))
    assert "Xem trước các thông báo" not in schedule  # notices are the leader's
    assert staff.get(f"/campaigns/{campaign_id}/notices/preview").status_code == 403

    leader, token = _client(app, accounts, "leader")
    schedule = _text(leader.get(f"/campaigns/{campaign_id}/schedule"))
    assert f'action="/campaigns/{campaign_id}/notices/preview"' in schedule
    assert "Xem trước các thông báo" in schedule
    response = leader.get(f"/campaigns/{campaign_id}/notices/preview?issue_date=21/08/2023")
    page = _text(response)
    assert response.status_code == 200
    assert re.findall(r'data-notice-target="(\d+)"', page) == [str(t) for t in targets]
    assert "data-notice-count>11<" in page
    assert "Phòng Lao động" in page and "Trụ sở 0" in page and "ngày " in page
    assert "Nơi nhận chung của mọi thông báo" in page  # Lãnh đạo Sở, the team: listed once
    assert re.search(r"&lt;[^&]+@[^&]+&gt;", page)  # recipients with their addresses
    with app.app_context(), transaction() as db:
        draft = db.scalar(select(Document).where(Document.kind == "TB"))
        assert draft is not None and draft.status == DocumentStatus.DRAFT
    assert f'href="/documents/{draft.id}/files/pdf"' in page
    assert 'value="2023-08-21"' in page  # the chosen date comes along
    assert f'action="/campaigns/{campaign_id}/actions/schedule_visits"' in page

    issued = leader.post(
        f"/campaigns/{campaign_id}/actions/schedule_visits",
        data={"csrf_token": token, "issue_date": "2023-08-21"},
    )
    assert issued.status_code == 303
    assert "Đang ban hành thông báo lịch kiểm tra" in _text(leader.get("/"))
    after = _text(leader.get(f"/campaigns/{campaign_id}/notices/preview"))
    assert "Không thể ban hành thông báo lịch kiểm tra ở bước này" in after


def test_the_preview_says_who_gets_no_mail_and_refuses_a_bad_date(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    targets = _announce_ready(app, campaign_id)
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        office = campaign.targets[1].office
        office.email = None
        for contact in office.contacts:
            contact.email = ""
        name = office.name
    leader, _ = _client(app, accounts, "leader")
    response = leader.get(f"/campaigns/{campaign_id}/notices/preview?issue_date=31/02/2023")
    page = _text(response)
    assert response.status_code == 422 and 'data-error-for="issue_date"' in page
    row = page[page.index(f'data-notice-target="{targets[1]}"') :]
    row = row[: row.index("</tr>")]
    assert "Không gửi thư được" in row and name in row


def test_the_preview_runs_as_many_queries_whatever_the_number_of_targets(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    _announce_ready(app, campaign_id)
    leader, _ = _client(app, accounts, "leader")
    with statements() as many:
        assert leader.get(f"/campaigns/{campaign_id}/notices/preview").status_code == 200
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for target in campaign.targets[4:]:
            if target.visit is not None:
                db.delete(target.visit)
        campaign.targets = campaign.targets[:4]
    with statements() as few:
        page = _text(leader.get(f"/campaigns/{campaign_id}/notices/preview"))
    assert page.count("data-notice-target=") == 4
    assert len(few) == len(many), "\n".join(few)


def test_announcing_still_refuses_an_unconfirmed_day_off(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    _announce_ready(app, campaign_id)
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        visit = campaign.targets[2].visit
        assert visit is not None
        holiday = visit_start(0).replace(month=9, day=2)  # Quốc khánh, a Saturday in 2023
        visit.scheduled_start, visit.scheduled_end = holiday, holiday + timedelta(hours=2)
    leader, _ = _client(app, accounts, "leader")
    page = _text(leader.get(f"/campaigns/{campaign_id}/notices/preview"))
    assert "data-confirm-day-off" in page and 'name="confirm_non_working_days"' in page
    assert re.search(r"data-day-off>⚠ Lịch kiểm tra tại", page)
