"""The staff web UI through Flask's test client: sign-in, CSRF, roles, forms and their messages."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from service import runner
from service.commands import campaigns, documents, visits
from service.database import transaction
from service.documents.store import put_file
from service.models import Campaign, Dispatch, Document, Organisation, Target, User
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM
from tests.jobs_helper import run_due_jobs
from tests.test_web_support import Accounts, accounts, campaign_id, csrf_token, settle, sign_in
from workflows.vocabulary import JobKind

__all__ = ["accounts", "campaign_id"]  # fixtures used here


def signed_in(client: FlaskClient, accounts: Accounts, role: str) -> str:
    """Sign in as the demo user of `role`; returns a CSRF token of the session."""
    response = sign_in(client, *accounts[role])
    assert response.status_code == 303, response.get_data(as_text=True)
    return csrf_token(client.get("/").get_data(as_text=True))


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def flashes(client: FlaskClient) -> str:
    return text(client.get("/"))


def test_pages_need_sign_in(client: FlaskClient, campaign_id: int) -> None:
    for path in ("/", f"/campaigns/{campaign_id}", "/dashboard", "/users"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.get(f"/campaigns/{campaign_id}/progress.json")
    assert response.status_code == 401 and "đăng nhập" in response.json["message"]
    assert client.get("/assets/app.css").status_code == 200  # the sign-in page needs its style


def test_sign_in_and_out(client: FlaskClient, accounts: Accounts) -> None:
    username, password = accounts["staff"]
    refused = sign_in(client, username, "sai-mat-khau")
    assert refused.status_code == 401 and "không đúng" in text(refused)
    response = sign_in(client, username, password)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    page = text(client.get("/"))
    assert "Vi Thị Hoa" in page and "Chuyên viên" in page
    token = csrf_token(page)
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 302


def test_next_page_stays_on_this_site(client: FlaskClient, accounts: Accounts) -> None:
    token = csrf_token(text(client.get("/login")))
    for target, expected in (
        ("/dashboard", "/dashboard"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
    ):
        response = client.post(
            "/login",
            data={
                "csrf_token": token,
                "username": accounts["staff"][0],
                "password": accounts["staff"][1],
                "next": target,
            },
        )
        assert response.headers["Location"] == expected, target
        token = csrf_token(text(client.get("/login")))


def test_forms_need_the_csrf_token(
    client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    signed_in(client, accounts, "staff")
    response = client.post(f"/campaigns/{campaign_id}/plan", data={"title": "Đổi tên"})
    assert response.status_code == 303
    assert "Biểu mẫu đã hết hạn" in flashes(client)
    with client.application.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None and campaign.title != "Đổi tên"
    # The API is exempt: it authenticates this client with its bearer token, not cookies.
    api = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"})
    assert api.status_code == 201


def test_new_password_ends_other_sessions(
    app: Any, client: FlaskClient, accounts: Accounts
) -> None:
    other = app.test_client()
    signed_in(other, accounts, "staff")
    token = signed_in(client, accounts, "staff")
    mismatch = client.post(
        "/account/password",
        data={"csrf_token": token, "password": accounts["staff"][1], "new_password": "x" * 9},
    )
    assert mismatch.status_code == 422 and "không khớp" in text(mismatch)
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "password": accounts["staff"][1],
            "new_password": "mat-khau-moi-dai",
            "confirm": "mat-khau-moi-dai",
        },
    )
    assert changed.status_code == 303
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_deactivated_user_is_signed_out(app: Any, client: FlaskClient, accounts: Accounts) -> None:
    signed_in(client, accounts, "staff")
    with app.app_context(), transaction() as db:
        user = db.scalar(select(User).where(User.username == accounts["staff"][0]))
        assert user is not None
        user.active = False
    assert client.get("/").status_code == 302


def test_plan_form_shows_field_errors_and_keeps_input(
    client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    page = text(client.get(f"/campaigns/{campaign_id}/plan"))
    assert "Kế hoạch số 48/KH-UBND" in page and 'name="recipients"' in page
    response = client.post(
        f"/campaigns/{campaign_id}/plan",
        data={
            "csrf_token": token,
            "title": "",
            "year": "năm nay",
            "legal_bases": ["Căn cứ đã nhập", ""],
            "contents_count": "1",
            "contents.0.paragraphs": "Đoạn không có tên",
        },
    )
    page = text(response)
    assert response.status_code == 422
    assert 'data-error-for="title"' in page and 'data-error-for="year"' in page
    assert "Phải là số nguyên" in page and "Cần nhập tên nội dung kiểm tra" in page
    assert "Căn cứ đã nhập" in page  # what was typed comes back


def test_plan_form_saves_lists_in_nfc(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    nfd = unicodedata.normalize("NFD", "Luật Phòng, chống mại dâm")
    response = client.post(
        f"/campaigns/{campaign_id}/plan",
        data={
            "csrf_token": token,
            "title": "Kế hoạch thử",
            "year": "2024",
            "legal_bases": [nfd, "  ", "Nghị định 30/2020/NĐ-CP"],
            "recipients": ["UBND các huyện", "Lãnh đạo Sở"],
            "contents_count": "2",
            "contents.0.number": "1",
            "contents.0.title": "Nội dung một",
            "contents.0.paragraphs": ["Đoạn a", "Đoạn b"],
            "contents.1.title": "",
        },
    )
    assert response.status_code == 303
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        assert campaign.legal_bases == ["Luật Phòng, chống mại dâm", "Nghị định 30/2020/NĐ-CP"]
        assert campaign.recipients == ["UBND các huyện", "Lãnh đạo Sở"]
        assert campaign.contents == [
            {
                "number": 1,
                "title": "Nội dung một",
                "run_in": False,
                "paragraphs": ["Đoạn a", "Đoạn b"],
            }
        ]
        assert campaign.year == 2024


def _campaign_count(app: Any) -> int:
    with app.app_context(), transaction() as db:
        return len(db.scalars(select(Campaign.id)).all())


def test_new_campaign_starts_empty_from_a_preset_or_as_a_copy(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    page = text(client.get("/"))
    assert 'value="phong-chong-mai-dam"' in page and "Sao chép từ kế hoạch năm trước" in page
    assert 'name="copy_from"' in page and f'<option value="{campaign_id}"' in page
    with app.app_context(), transaction() as db:
        demo = db.get(Campaign, campaign_id)
        assert demo is not None
        issuer = str(demo.issuer_id)
    made = {}
    for start, extra in (
        ("empty", {}),
        ("preset", {"preset": "phong-chong-mai-dam"}),
        ("copy", {"copy_from": str(campaign_id)}),
    ):
        response = client.post(
            "/campaigns",
            data={
                "csrf_token": token,
                "title": f"Kế hoạch {start}",
                "year": "2026",
                "issuer_id": issuer,
                "start": start,
                **extra,
            },
        )
        assert response.status_code == 303, text(response)
        made[start] = int(response.headers["Location"].split("/")[-2])
    with app.app_context(), transaction() as db:
        demo = db.get(Campaign, campaign_id)
        empty, preset, copy = (db.get(Campaign, made[k]) for k in ("empty", "preset", "copy"))
        assert demo is not None and empty is not None and preset is not None and copy is not None
        assert empty.indicators == [] and empty.contents == [] and empty.targets == []
        assert preset.programme == "công tác phòng, chống mại dâm năm 2026"
        assert [i["key"] for i in preset.indicators] == [i["key"] for i in demo.indicators]
        assert preset.targets == [] and preset.title == "Kế hoạch preset"
        assert copy.indicators == demo.indicators and copy.contents == demo.contents
        assert [t.office_id for t in copy.targets] == [t.office_id for t in demo.targets]
        assert copy.signer_id == demo.signer_id and copy.year == 2026
        assert copy.stage == "plan_drafted"


def test_new_campaign_refuses_an_unknown_start_beside_the_field(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    before = _campaign_count(app)
    for extra, field in (
        ({"start": "preset", "preset": "khong-co-mau-nay"}, "preset"),
        ({"start": "copy", "copy_from": "999999"}, "copy_from"),
        ({"start": "copy"}, "copy_from"),
    ):
        response = client.post(
            "/campaigns",
            data={"csrf_token": token, "title": "Kế hoạch thử", "year": "2026", "issuer_id": "1"}
            | extra,
        )
        page = text(response)
        assert response.status_code == 422, extra
        assert f'data-error-for="{field}"' in page, (extra, page)
        assert "<details open" in page and 'value="Kế hoạch thử"' in page
    assert _campaign_count(app) == before


def _plan_form(token: str, **fields: Any) -> dict[str, Any]:
    """A plan form as the page posts it: the demo's required text and the given fields."""
    return {
        "csrf_token": token,
        "title": "Kế hoạch thử",
        "year": "2026",
        "legal_bases": ["Căn cứ"],
        "contents_count": "1",
        "contents.0.title": "Nội dung một",
        **fields,
    }


def test_plan_form_edits_the_inspection(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    page = text(client.get(f"/campaigns/{campaign_id}/plan"))
    assert 'name="indicators.0.key" value="businesses"' in page
    assert 'value="công tác phòng, chống mại dâm năm 2023"' in page
    assert 'maxlength="40"' in page and "data-add-row" in page
    assert '<option value="workers" selected>workers</option>' in page  # a part's parent

    response = client.post(
        f"/campaigns/{campaign_id}/plan",
        data=_plan_form(
            token,
            programme="công tác bảo vệ, chăm sóc trẻ em năm 2026",
            sub_unit_label="",
            preparation=["Báo cáo kết quả thực hiện", "", "Hồ sơ liên quan"],
            report_recipients=["UBND tỉnh"],
            contents_count="3",
            **{
                "contents.0.title": "Việc ban hành văn bản",
                "contents.0.paragraphs": ["Đoạn a"],
                "contents.1.title": "",  # a blank area is dropped
                "contents.2.title": "Việc bố trí kinh phí",
                "contents.2.run_in": "on",
                "indicators_count": "4",
                "indicators.0.key": "children",
                "indicators.0.label": "Số trẻ em trên địa bàn",
                "indicators.0.short_label": "Trẻ em",
                "indicators.0.parent": "",
                "indicators.0.rule": "at_most",
                "indicators.1.key": "",  # a blank row is dropped
                "indicators.2.key": "children_girls",
                "indicators.2.label": "Trong đó: trẻ em gái",
                "indicators.2.parent": "children",
                "indicators.2.rule": "sum",
                "indicators.2.group": "gioi",
                "indicators.3.key": "children_boys",
                "indicators.3.label": "Trong đó: trẻ em trai",
                "indicators.3.parent": "children",
                "indicators.3.rule": "sum",
                "indicators.3.group": "gioi",
            },
        ),
    )
    assert response.status_code == 303, text(response)
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        assert campaign.programme == "công tác bảo vệ, chăm sóc trẻ em năm 2026"
        assert campaign.sub_unit_label == ""
        assert campaign.preparation == ["Báo cáo kết quả thực hiện", "Hồ sơ liên quan"]
        assert campaign.report_recipients == ["UBND tỉnh"]
        assert [(c["number"], c["title"], c["run_in"]) for c in campaign.contents] == [
            (1, "Việc ban hành văn bản", False),
            (2, "Việc bố trí kinh phí", True),
        ]
        assert campaign.indicators == [
            {
                "key": "children",
                "label": "Số trẻ em trên địa bàn",
                "short_label": "Trẻ em",
                "parent": None,
                "rule": None,
            },
            {
                "key": "children_girls",
                "label": "Trong đó: trẻ em gái",
                "short_label": "",
                "parent": "children",
                "rule": "sum",
                "group": "gioi",
            },
            {
                "key": "children_boys",
                "label": "Trong đó: trẻ em trai",
                "short_label": "",
                "parent": "children",
                "rule": "sum",
                "group": "gioi",
            },
        ]


def test_plan_form_shows_indicator_errors_beside_their_row(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        before = list(campaign.indicators)
    response = client.post(
        f"/campaigns/{campaign_id}/plan",
        data=_plan_form(
            token,
            **{
                "indicators_count": "5",
                "indicators.0.key": "a",
                "indicators.0.label": "Chỉ tiêu A",
                "indicators.1.label": "",  # blank: the rows below move up one place
                "indicators.2.key": "a",
                "indicators.2.label": "Chỉ tiêu A lần nữa",
                "indicators.3.key": "b",
                "indicators.3.label": "Chỉ tiêu B",
                "indicators.3.parent": "c",
                "indicators.4.key": "c",
                "indicators.4.label": "Chỉ tiêu C",
                "indicators.4.parent": "b",
                "indicators.4.short_label": "x" * 41,
            },
        ),
    )
    page = text(response)
    assert response.status_code == 422
    # Each message is beside the row as the page shows it again (without the blank row).
    assert 'name="indicators.1.key" value="a"' in page
    assert re.search(r'data-error-for="indicators\.1\.key">[^<]*bị trùng', page), page
    assert 'data-error-for="indicators.3.short_label"' in page
    assert 'name="indicators.3.key" value="c"' in page
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None and campaign.indicators == before

    loop = client.post(
        f"/campaigns/{campaign_id}/plan",
        data=_plan_form(
            token,
            **{
                "indicators_count": "2",
                "indicators.0.key": "b",
                "indicators.0.label": "Chỉ tiêu B",
                "indicators.0.parent": "c",
                "indicators.1.key": "c",
                "indicators.1.label": "Chỉ tiêu C",
                "indicators.1.parent": "b",
            },
        ),
    )
    assert loop.status_code == 422
    assert re.search(r'data-error-for="indicators\.0\.parent">[^<]*vòng lặp', text(loop))


def _issue_plan(client: FlaskClient, campaign_id: int, token: str) -> int:
    client.post(f"/campaigns/{campaign_id}/documents", data={"csrf_token": token, "kind": "KH"})
    with client.application.app_context(), transaction() as db:
        doc = db.scalar(select(Document).where(Document.kind == "KH"))
        assert doc is not None
        return doc.id


def test_only_leaders_issue(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    doc_id = _issue_plan(client, campaign_id, token)
    page = text(client.get(f"/documents/{doc_id}"))
    assert "Dự thảo" in page and "data-issue" not in page
    refused = client.post(f"/documents/{doc_id}/issue", data={"csrf_token": token})
    assert refused.status_code == 403 and "Chỉ lãnh đạo" in text(refused)

    leader = app.test_client()
    token = signed_in(leader, accounts, "leader")
    assert "data-issue" in text(leader.get(f"/documents/{doc_id}"))
    issued = leader.post(
        f"/documents/{doc_id}/issue", data={"csrf_token": token, "issue_date": "2023-04-05"}
    )
    assert issued.status_code == 303
    page = text(leader.get(issued.headers["Location"]))
    assert "Đã ban hành văn bản số 01/KH-SLĐTBXH" in page and "05/04/2023" in page
    again = leader.post(f"/documents/{doc_id}/issue", data={"csrf_token": token})
    assert again.status_code == 303  # a refused step is a message, never a 500
    assert "chỉ dự thảo mới được ban hành" in flashes(leader)


def test_refused_step_shows_the_guards_messages(
    client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "leader")
    page = text(client.get(f"/campaigns/{campaign_id}"))
    assert "Ban hành kế hoạch kiểm tra" in page and "Đã đủ điều kiện" in page
    response = client.post(
        f"/campaigns/{campaign_id}/actions/schedule_visits",
        data={"csrf_token": token},
        headers={"Referer": f"http://localhost/campaigns/{campaign_id}"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/campaigns/{campaign_id}")
    assert "cần ở bước" in flashes(client)
    unknown = client.post(f"/campaigns/{campaign_id}/actions/bay", data={"csrf_token": token})
    assert unknown.status_code == 303 and "Thao tác không hợp lệ" in flashes(client)


def test_missing_plan_fields_are_listed(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.legal_bases = []
        campaign.signer_id = None
    signed_in(client, accounts, "staff")
    page = text(client.get(f"/campaigns/{campaign_id}"))
    assert "Kế hoạch còn thiếu: căn cứ" in page and "Kế hoạch còn thiếu: người ký" in page


def _schedule_rows(campaign: Campaign, day0: int = 5) -> dict[str, str]:
    rows = {}
    for i, target in enumerate(campaign.targets):
        rows[f"date-{target.id}"] = f"2023-09-{day0 + i:02d}"
        rows[f"start-{target.id}"] = "08:00"
        rows[f"end-{target.id}"] = "11:30"
        rows[f"place-{target.id}"] = f"Trụ sở {target.office.name}"
    rows["confirm_non_working_days"] = "on"  # the days run over a weekend
    return rows


def _plan_issued(app: Any, campaign_id: int) -> Campaign:
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        documents.issue(db, SYSTEM, documents.draft(db, SYSTEM, campaign.id, "KH").id)
        return campaign


def test_schedule_flags_conflicts_and_refuses_bad_rows(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    campaign = _plan_issued(app, campaign_id)
    first, second, third = (t.id for t in campaign.targets[:3])
    token = signed_in(client, accounts, "staff")
    bad = _schedule_rows(campaign) | {f"end-{first}": "07:00", f"date-{second}": "31/02/2023"}
    response = client.post(f"/campaigns/{campaign_id}/schedule", data={"csrf_token": token} | bad)
    page = text(response)
    assert response.status_code == 422
    assert "Giờ kết thúc phải sau giờ bắt đầu" in page and "Ngày không hợp lệ" in page
    with app.app_context(), transaction() as db:
        assert all(t.visit is None for t in db.scalars(select(Target)).all())  # nothing saved

    rows = _schedule_rows(campaign) | {f"date-{second}": "2023-09-05", f"start-{second}": "10:00"}
    rows[f"date-{third}"] = "06/09/2023"  # typed by hand, as Vietnamese write dates
    response = client.post(f"/campaigns/{campaign_id}/schedule", data={"csrf_token": token} | rows)
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Đã lưu lịch kiểm tra (11 đơn vị thay đổi)" in page
    assert "có lịch kiểm tra bị trùng" in page
    conflicts = re.findall(r"data-conflict>([^<]+)<", page)
    assert len(conflicts) == 2 and "Trùng thời gian với lịch kiểm tra tại" in conflicts[0]
    assert "08 giờ 00 - 11 giờ 30, Thứ Ba, ngày 05/09/2023" in page

    unchanged = client.post(f"/campaigns/{campaign_id}/schedule", data={"csrf_token": token} | rows)
    assert "(0 đơn vị thay đổi)" in text(client.get(unchanged.headers["Location"]))


def test_team_member_booked_in_another_campaign_is_flagged(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    campaign = _plan_issued(app, campaign_id)
    with app.app_context(), transaction() as db:
        other = load_demo(db, new_campaign=True)
        first = db.get(Campaign, campaign_id)
        assert first is not None
        shared = first.members[2].person_id  # Lương Văn Hùng sits on both teams
        campaigns.add_member(db, SYSTEM, other.id, shared, "thanh_vien")
        documents.issue(db, SYSTEM, documents.draft(db, SYSTEM, other.id, "KH").id)
        visits.schedule(db, SYSTEM, other.id, other.targets[0].id, *_hours(5, 9, 10), "Nơi khác")
    token = signed_in(client, accounts, "staff")
    client.post(
        f"/campaigns/{campaign_id}/schedule", data={"csrf_token": token} | _schedule_rows(campaign)
    )
    page = text(client.get(f"/campaigns/{campaign_id}/schedule"))
    assert "Lương Văn Hùng đã có lịch kiểm tra tại" in page
    assert "Nguyễn Văn Giang đã có lịch" not in page  # a namesake is another person


def _hours(day: int, start: int, end: int) -> tuple[datetime, datetime]:
    return datetime(2023, 9, day, start), datetime(2023, 9, day, end)


def _announced(app: Any, campaign_id: int) -> Campaign:
    """Plan issued, every visit scheduled and the notices out (their job run)."""
    _plan_issued(app, campaign_id)
    with app.app_context():
        with transaction() as db:
            campaign = db.get(Campaign, campaign_id)
            assert campaign is not None
            for i, target in enumerate(campaign.targets):
                hours = _hours(5 + i, 8, 11)
                visits.schedule(
                    db,
                    SYSTEM,
                    campaign.id,
                    target.id,
                    *hours,
                    "Trụ sở",
                    confirm_non_working_days=True,
                )
            visits.announce(db, SYSTEM, campaign, None)
        run_due_jobs(kind=JobKind.ISSUE)
        with transaction() as db:
            campaign = db.get(Campaign, campaign_id)
            assert campaign is not None
            assert all(t.visit and t.office for t in campaign.targets)  # loaded for the caller
            return campaign


def test_moving_visits_once_announced_issues_their_notices_in_a_job(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    """A schedule page holds every target: its save answers at once, and one job issues the
    updated notice of each moved visit (and of no other)."""
    campaign = _announced(app, campaign_id)
    first, second = campaign.targets[0], campaign.targets[1]
    token = signed_in(client, accounts, "leader")  # a moved visit's notice is signed
    rows = {}
    for i, target in enumerate(campaign.targets):
        visit = target.visit
        assert visit is not None
        moved = target in (first, second)
        rows |= {
            f"date-{target.id}": f"2023-09-{5 + i + (10 if moved else 0):02d}",
            f"start-{target.id}": "08:00",
            f"end-{target.id}": "11:00",
            f"place-{target.id}": "Trụ sở",
            f"version-{target.id}": str(visit.version),
        }
    rows["confirm_non_working_days"] = "on"  # 16 September is a Saturday

    def notices() -> Counter[int | None]:
        with app.app_context(), transaction() as db:
            stmt = select(Document.target_id).where(
                Document.campaign_id == campaign_id,
                Document.kind == "TB",
                Document.status == "issued",
            )
            return Counter(db.scalars(stmt))

    before = notices()
    response = client.post(f"/campaigns/{campaign_id}/schedule", data={"csrf_token": token} | rows)
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Đã lưu lịch kiểm tra (2 đơn vị thay đổi)" in page
    assert "Đang ban hành thông báo lịch cập nhật" in page
    assert notices() == before  # nothing issued inside the request
    with app.app_context():
        assert run_due_jobs(kind=JobKind.ISSUE) == [runner.Outcome.DONE]
    with app.app_context(), transaction() as db:
        issued = db.scalars(
            select(Document).where(Document.campaign_id == campaign_id, Document.kind == "TB")
        ).all()
    replaced = {d.target_id for d in issued if d.version == 2}
    assert replaced == {first.id, second.id}
    assert notices() == before  # one notice in force per target, the moved ones replaced


def test_visit_statistics_are_checked_per_field(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    campaign = _announced(app, campaign_id)
    visit = campaign.targets[0].visit
    assert visit is not None
    token = signed_in(client, accounts, "staff")
    page = text(client.get(f"/visits/{visit.id}"))
    assert "Số cơ sở kinh doanh dịch vụ có điều kiện" in page
    assert "Nguyễn Văn Giang, Phó Giám đốc Sở, Trưởng đoàn" in page  # team prefilled
    form = {
        "csrf_token": token,
        "statistics.workers": "10",
        "statistics.workers_female": "12",
        "statistics.hotspots": "-1",
        "statistics.brokers": "hai",
        "findings.1": "Đã ban hành kế hoạch.",
        "date": "2023-09-05",
        "start": "08:00",
        "end": "11:30",
    }
    response = client.post(f"/visits/{visit.id}", data=form)
    page = text(response)
    assert response.status_code == 422
    assert 'data-error-for="statistics.hotspots">Không được âm' in page
    assert 'data-error-for="statistics.brokers">Phải là số nguyên' in page
    assert 'value="hai"' in page  # the typed value is shown again
    form |= {"statistics.hotspots": "1", "statistics.brokers": "0"}
    response = client.post(f"/visits/{visit.id}", data=form)
    assert response.status_code == 422
    assert 'data-error-for="statistics.workers_female">Không được lớn hơn' in text(response)
    with app.app_context(), transaction() as db:
        assert db.get(type(visit), visit.id).status == "scheduled"  # type: ignore[union-attr]

    form |= {
        "statistics.workers_female": "7",
        "statistics.hotspots": "1",
        "statistics.brokers": "0",
    }
    response = client.post(f"/visits/{visit.id}", data=form)
    assert response.status_code == 303
    page = text(client.get(f"/visits/{visit.id}"))
    assert "Đã kiểm tra" in page and "Tạo dự thảo biên bản" in page


def test_visit_data_only_after_the_notices(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    campaign = _plan_issued(app, campaign_id)
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        visit = visits.schedule(
            db, SYSTEM, campaign.id, campaign.targets[0].id, *_hours(5, 8, 11), "Trụ sở"
        )
    token = signed_in(client, accounts, "staff")
    response = client.post(
        f"/visits/{visit.id}",
        data={"csrf_token": token, "statistics.workers": "3"},
        headers={"Referer": f"http://localhost/visits/{visit.id}"},
    )
    assert response.status_code == 303
    assert "Chưa thông báo lịch kiểm tra" in text(client.get(f"/visits/{visit.id}"))


def test_district_user_sees_only_its_own_unit(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    campaign = _announced(app, campaign_id)
    own, other = campaign.targets[0], campaign.targets[1]
    assert own.visit is not None and other.visit is not None
    with app.app_context(), transaction() as db:
        notices = {
            d.target_id: d.id for d in db.scalars(select(Document).where(Document.kind == "TB"))
        }
        plan = db.scalar(select(Document).where(Document.kind == "KH"))
        assert plan is not None
        plan_id = plan.id
        for doc in db.scalars(select(Document)).all():
            put_file(db, doc, "pdf", b"%PDF-1.4 thu")
    token = signed_in(client, accounts, "district")
    assert campaign.title in text(client.get("/"))
    page = text(client.get(f"/campaigns/{campaign_id}"))
    assert own.office.name in page and other.office.name not in page
    assert "Bước tiếp theo" not in page
    assert client.get(f"/visits/{own.visit.id}").status_code == 200
    assert client.get(f"/visits/{other.visit.id}").status_code == 404
    assert client.get(f"/documents/{notices[own.id]}").status_code == 200
    for path in (
        f"/documents/{notices[other.id]}",
        f"/documents/{notices[other.id]}/files/pdf",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/documents/{plan_id}").status_code == 200  # sent to every office
    assert client.get(f"/documents/{notices[own.id]}/files/pdf").status_code == 200
    for path in (f"/campaigns/{campaign_id}/plan", f"/campaigns/{campaign_id}/schedule", "/users"):
        assert client.get(path).status_code == 403, path
    refused = client.post(f"/visits/{own.visit.id}", data={"csrf_token": token})
    assert refused.status_code == 403
    progress = client.get(f"/campaigns/{campaign_id}/progress.json").json
    assert [d["id"] for d in progress["documents"]] == [plan_id, notices[own.id]]
    assert progress["archive"] is None
    assert all(j["document"] for j in progress["jobs"])

    with app.app_context(), transaction() as db:
        elsewhere = load_demo(db, new_campaign=True)
        elsewhere.targets.pop(0)  # a campaign without this district
    listing = text(client.get("/"))
    assert listing.count("data-campaigns") == 1 and listing.count("/campaigns/") == 1


def test_document_files_preview_and_download(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    signed_in(client, accounts, "staff")
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        doc = documents.draft(db, SYSTEM, campaign.id, "KH")
        put_file(db, doc, "pdf", b"%PDF-1.4 thu")
        doc_id = doc.id
    assert client.get(f"/documents/{doc_id}/files/docx").status_code == 404
    inline = client.get(f"/documents/{doc_id}/files/pdf?inline=1")
    assert inline.status_code == 200 and inline.mimetype == "application/pdf"
    assert inline.headers["Content-Disposition"].startswith("inline;")
    assert "D%E1%BB%B0%20TH%E1%BA%A2O" in inline.headers["Content-Disposition"]
    download = client.get(f"/documents/{doc_id}/files/pdf")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    etag = download.headers["ETag"].strip('"')
    assert (
        client.get(
            f"/documents/{doc_id}/files/pdf", headers={"If-None-Match": f'"{etag}"'}
        ).status_code
        == 304
    )
    page = text(client.get(f"/documents/{doc_id}"))
    assert f"/documents/{doc_id}/files/pdf?inline=1" in page and "<iframe" in page
    progress = client.get(f"/campaigns/{campaign_id}/progress.json").json
    row = next(d for d in progress["documents"] if d["id"] == doc_id)
    assert row["activity"] == "busy" and row["activity_label"] == "Đang chờ xử lý"
    assert progress["pending"] == 1 and progress["jobs"][0]["kind"] == "Dựng văn bản"


def test_resend_a_dispatch(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    _plan_issued(app, campaign_id)
    with app.app_context(), transaction() as db:
        plan = db.scalar(select(Document).where(Document.kind == "KH"))
        assert plan is not None
        dispatch = Dispatch(
            document_id=plan.id,
            campaign_id=campaign_id,
            recipient_name="UBND huyện Cao Lộc",
            address="ubnd-caoloc@langson.example.org",
            state="failed",
            attempts=10,
            message_id="kh-1@sldtbxh.langson.example.org",
            last_error="550 hộp thư không tồn tại",
        )
        db.add(dispatch)
        db.flush()
        dispatch_id, doc_id = dispatch.id, plan.id
    token = signed_in(client, accounts, "staff")
    page = text(client.get(f"/documents/{doc_id}"))
    assert "Gửi lỗi" in page and "550 hộp thư không tồn tại" in page
    response = client.post(f"/dispatches/{dispatch_id}/resend", data={"csrf_token": token})
    assert response.status_code == 303
    assert "Đã xếp lịch gửi lại" in text(client.get(response.headers["Location"]))
    again = client.post(
        f"/dispatches/{dispatch_id}/resend",
        data={"csrf_token": token},
        headers={"Referer": f"http://localhost/documents/{doc_id}"},
    )
    assert again.status_code == 303 and "Thư đang chờ gửi" in text(
        client.get(f"/documents/{doc_id}")
    )


def test_dashboard_table_sums_by_district_and_year(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    campaign = _announced(app, campaign_id)
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for i, target in enumerate(campaign.targets[:2]):
            assert target.visit is not None
            stats = {"businesses": 1200 + i, "workers": 10, "workers_female": 4}
            visits.record(db, SYSTEM, target.visit.id, {"statistics": stats})
    signed_in(client, accounts, "staff")
    page = text(client.get("/dashboard"))
    assert "chart.umd.min.js" in page and 'id="chart-data"' in page
    assert "1.200" in page and "1.201" in page and "2.401" in page  # dots group thousands
    assert "thành phố Lạng Sơn" in page and "huyện Tràng Định" in page

    district = app.test_client()
    signed_in(district, accounts, "district")
    page = text(district.get("/dashboard"))
    assert "1.200" in page and "1.201" not in page


def test_administrator_manages_accounts(app: Any, client: FlaskClient, accounts: Accounts) -> None:
    token = signed_in(client, accounts, "admin")
    refused = client.post(
        "/users",
        data={
            "csrf_token": token,
            "username": "Có Dấu",
            "full_name": "Lê Thị Bích",
            "role": "district",
            "password": "mat-khau-du-dai",
            "confirm": "khac",
        },
    )
    page = text(refused)
    assert refused.status_code == 422
    assert 'data-error-for="confirm"' in page and 'value="Lê Thị Bích"' in page
    created = client.post(
        "/users",
        data={
            "csrf_token": token,
            "username": "bich.lt",
            "full_name": "Lê Thị Bích",
            "role": "staff",
            "password": "mat-khau-du-dai",
            "confirm": "mat-khau-du-dai",
        },
    )
    assert created.status_code == 303
    assert "Đã tạo tài khoản bich.lt" in text(client.get("/users"))
    newcomer = app.test_client()
    assert sign_in(newcomer, "bich.lt", "mat-khau-du-dai").status_code == 303

    staff = app.test_client()
    token = signed_in(staff, accounts, "staff")
    assert staff.get("/users").status_code == 403
    assert staff.post("/users", data={"csrf_token": token}).status_code == 403


def test_pages_load_nothing_from_elsewhere(
    client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    signed_in(client, accounts, "admin")
    for path in (
        "/",
        f"/campaigns/{campaign_id}",
        f"/campaigns/{campaign_id}/plan",
        f"/campaigns/{campaign_id}/targets",
        f"/campaigns/{campaign_id}/team",
        f"/campaigns/{campaign_id}/schedule",
        f"/campaigns/{campaign_id}/report",
        "/dashboard",
        "/users",
        "/account/password",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        page = text(response)
        assert '<html lang="vi"' in page
        for url in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert url.startswith(("/", "#")), (path, url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and response.headers["X-Frame-Options"] == "SAMEORIGIN"
    for asset in (
        "vendor/chartjs/chart.umd.min.js",
        "vendor/pico/pico.min.css",
        "vendor/be-vietnam-pro/be-vietnam-pro-vietnamese-400-normal.woff2",
        "app.js",
        "dashboard.js",
    ):
        assert client.get(f"/assets/{asset}").status_code == 200, asset


def test_unknown_pages_are_vietnamese_not_json(client: FlaskClient, accounts: Accounts) -> None:
    signed_in(client, accounts, "staff")
    for path in ("/campaigns/999", "/documents/999", "/visits/999"):
        response = client.get(path)
        assert response.status_code == 404 and "Không tìm thấy" in text(response)
        assert response.mimetype == "text/html"


def test_issuing_a_reviewed_draft_renders_it_again(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    """The UI's flow renders a draft before it is issued; the issued files are new ones."""
    token = signed_in(client, accounts, "leader")
    doc_id = _issue_plan(client, campaign_id, token)  # the draft
    settle(app)  # rendered, then reviewed in the page
    draft_sha = client.get(f"/documents/{doc_id}/files/docx").headers["ETag"]
    client.post(f"/documents/{doc_id}/issue", data={"csrf_token": token})
    settle(app)
    assert client.get(f"/documents/{doc_id}/files/docx").headers["ETag"] != draft_sha


def test_targets_and_team_forms(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        office = Organisation(
            kind="district_office", name="Phòng Lao động huyện Mới", district="huyện Mới"
        )
        commune = Organisation(
            kind="commune_committee", name="Ban Chỉ đạo 138 xã Mới", district="huyện Mới"
        )
        db.add_all([office, commune])
        db.flush()
        office_id, commune_id = office.id, commune.id
        elsewhere = db.scalar(
            select(Organisation).where(
                Organisation.kind == "commune_committee", Organisation.district != "huyện Mới"
            )
        )
        assert elsewhere is not None
        elsewhere_id = elsewhere.id
    token = signed_in(client, accounts, "staff")
    page = text(client.get(f"/campaigns/{campaign_id}/targets"))
    assert "Phòng Lao động huyện Mới" in page and "Ban Chỉ đạo 138 xã Mới" in page
    wrong = client.post(
        f"/campaigns/{campaign_id}/targets",
        data={"csrf_token": token, "office_id": office_id, "commune_id": elsewhere_id},
    )
    assert wrong.status_code == 422 and "không thuộc huyện Mới" in text(wrong)
    added = client.post(
        f"/campaigns/{campaign_id}/targets",
        data={"csrf_token": token, "office_id": office_id, "commune_id": commune_id},
    )
    assert added.status_code == 303
    page = text(client.get(added.headers["Location"]))
    assert "Đã thêm đơn vị được kiểm tra" in page and page.count("<tr><td>12</td>") == 1

    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        leader_id = campaign.members[0].person_id
    duplicate = client.post(
        f"/campaigns/{campaign_id}/team",
        data={"csrf_token": token, "person_id": leader_id, "role": "truong_doan"},
    )
    page = text(duplicate)
    assert duplicate.status_code == 422
    assert "Người này đã có trong Đoàn" in page and "Đoàn đã có Trưởng đoàn" in page


def test_api_tokens_are_issued_and_revoked_in_the_ui(
    app: Any, client: FlaskClient, accounts: Accounts
) -> None:
    staff = app.test_client()
    token = signed_in(staff, accounts, "staff")
    assert staff.post("/account/tokens", data={"csrf_token": token, "name": ""}).status_code == 422
    created = staff.post("/account/tokens", data={"csrf_token": token, "name": "máy báo cáo"})
    assert created.status_code == 201
    found = re.search(r"<pre><code>(vt_[^<]+)</code></pre>", text(created))
    assert found, "the new token is shown once"
    caller = app.test_client()
    caller.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {found.group(1)}"
    assert caller.get("/api/v1/campaigns").status_code == 200
    listed = text(staff.get("/account/tokens"))
    assert "máy báo cáo" in listed and found.group(1) not in listed
    token_id = int(re.findall(r"/account/tokens/(\d+)/revoke", listed)[0])
    leader = app.test_client()
    leader_csrf = signed_in(leader, accounts, "leader")
    stranger = leader.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": leader_csrf})
    assert stranger.status_code == 404  # someone else's token: not even shown to exist
    assert caller.get("/api/v1/campaigns").status_code == 200
    revoked = staff.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert caller.get("/api/v1/campaigns").status_code == 401
    assert "Đã thu hồi" in text(staff.get("/account/tokens"))


def test_the_api_accepts_the_ui_session_with_its_csrf_token(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    browser = app.test_client()
    token = signed_in(browser, accounts, "staff")
    assert browser.get(f"/api/v1/campaigns/{campaign_id}").status_code == 200
    path = f"/api/v1/campaigns/{campaign_id}/documents"
    assert browser.post(path, json={"kind": "KH"}).status_code == 400  # a cookie alone: no
    allowed = browser.post(path, json={"kind": "KH"}, headers={"X-CSRFToken": token})
    assert allowed.status_code == 201


def test_the_audit_log_is_for_leaders_and_administrators(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    leader = app.test_client()
    token = signed_in(leader, accounts, "leader")
    doc_id = _issue_plan(leader, campaign_id, token)
    issued = leader.post(
        f"/documents/{doc_id}/issue", data={"csrf_token": token, "issue_date": "2023-04-05"}
    )
    assert issued.status_code == 303
    page = text(leader.get("/audit?area=document."))
    assert "Ban hành văn bản" in page  # the action in words, not its code
    html = leader.get("/audit?area=document.").get_data(as_text=True)
    assert f'href="/documents/{doc_id}"' in html  # the object, linked
    assert accounts["leader"][0] in page
    assert "Đăng nhập" not in page
    assert "Đăng nhập" in text(leader.get("/audit?area=user."))
    staff = app.test_client()
    signed_in(staff, accounts, "staff")
    assert staff.get("/audit").status_code == 403


def test_every_page_needs_sign_in(app: Any, anonymous: FlaskClient, campaign_id: int) -> None:
    """Every route of the UI, whatever its method, sends a stranger to the sign-in page (401
    for the JSON of live progress; a form without its CSRF token goes back with a message)."""
    public = {"web.login", "web.static"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("web.") or rule.endpoint in public:
            continue
        path = rule.build({name: 1 for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = anonymous.open(path, method=method)
            assert response.status_code in (302, 303, 401), (method, path, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], (method, path)
            checked += 1
    assert checked >= 30
