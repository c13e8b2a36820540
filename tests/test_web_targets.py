"""A campaign's targets and team are edited and removed, in the UI and the API alike: refused
with the reason once a visit, an issued document or the issued team decision names them."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service.commands import documents, visits
from service.database import transaction
from service.models import Campaign, Organisation, Person, Target, TeamMember
from tests.auth_helper import SYSTEM, api_client, campaign_targets
from tests.test_web import flashes, signed_in, text
from tests.test_web_support import Accounts, accounts, campaign_id
from workflows.lifecycle import Stage

__all__ = ["accounts", "campaign_id"]  # fixtures used here


def _campaign(db: Any, campaign_id: int) -> Campaign:
    campaign = db.get(Campaign, campaign_id)
    assert campaign is not None
    return campaign


def _second_commune(app: Flask, campaign_id: int) -> tuple[int, int, int]:
    """The first target, its commune and another commune of the same district."""
    with app.app_context(), transaction() as db:
        target = _campaign(db, campaign_id).targets[0]
        other = Organisation(
            kind="commune_committee",
            name="Ban Chỉ đạo 138 xã Thứ Hai",
            district=target.office.district,
        )
        db.add(other)
        db.flush()
        assert target.commune_id is not None
        return target.id, target.commune_id, other.id


def _schedule(app: Flask, campaign_id: int, target_id: int) -> None:
    with app.app_context(), transaction() as db:
        start, end = datetime(2023, 6, 1, 8), datetime(2023, 6, 1, 11)
        visits.schedule(db, SYSTEM, campaign_id, target_id, start, end, "Trụ sở")


def _issue(app: Flask, campaign_id: int, *kinds: str) -> str:
    """The campaign's documents of `kinds` issued in that order, a day apart; the last one's
    reference."""
    reference = ""
    with app.app_context(), transaction() as db:
        for day, kind in enumerate(kinds, start=5):
            draft = documents.draft(db, SYSTEM, campaign_id, kind)
            reference = documents.issue(db, SYSTEM, draft.id, date(2023, 4, day)).reference
    return reference


def test_a_target_is_edited_and_removed_in_the_ui(
    app: Flask, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    target_id, commune_id, other_id = _second_commune(app, campaign_id)
    token = signed_in(client, accounts, "staff")
    page = text(client.get(f"/campaigns/{campaign_id}/targets"))
    assert f'data-target-actions="{target_id}"' in page and "Thêm đơn vị" in page
    url = f"/campaigns/{campaign_id}/targets/{target_id}"
    form = text(client.get(url))
    assert f'data-target-edit="{target_id}"' in form and "Thêm đơn vị</button>" not in form
    version = re.search(r'name="version" value="(\d+)"', form.split("data-target-edit")[1])
    assert version is not None
    with app.app_context(), transaction() as db:
        target = db.get(Target, target_id)
        assert target is not None
        office_id = target.office_id
        elsewhere = db.scalar(
            select(Organisation.id).where(
                Organisation.kind == "commune_committee",
                Organisation.id.not_in([commune_id, other_id]),
            )
        )
    data = {"csrf_token": token, "office_id": office_id, "version": version.group(1)}
    wrong = client.post(url, data={**data, "commune_id": elsewhere})
    assert wrong.status_code == 422 and "Xã, phường được chọn không thuộc" in text(wrong)
    assert 'data-error-for="commune_id"' in text(wrong)
    saved = client.post(url, data={**data, "commune_id": other_id})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/targets")
    assert "Đã lưu" in flashes(client)
    # A second save on the version the form was shown with: refused, what was typed kept.
    stale = client.post(url, data={**data, "commune_id": commune_id})
    assert stale.status_code == 409 and "Chưa lưu thay đổi của bạn" in text(stale)
    with app.app_context(), transaction() as db:
        target = db.get(Target, target_id)
        assert target is not None and target.commune_id == other_id
        count = len(_campaign(db, campaign_id).targets)
        current = target.version

    removed = client.post(f"{url}/delete", data={"csrf_token": token, "version": current})
    assert removed.status_code == 303 and "Đã xóa đơn vị khỏi kế hoạch" in flashes(client)
    with app.app_context(), transaction() as db:
        targets = _campaign(db, campaign_id).targets
        assert len(targets) == count - 1 and target_id not in {t.id for t in targets}
        assert [t.position for t in targets] == list(range(count - 1))
    assert client.get(url).status_code == 404


def test_a_scheduled_target_keeps_its_office_and_chooses_its_commune_later(
    app: Flask, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    target_id, commune_id, other_id = _second_commune(app, campaign_id)
    api = api_client(app, "staff")
    url = f"/api/v1/campaigns/{campaign_id}/targets/{target_id}"
    later = api.patch(url, json={"commune_id": None})  # "Chọn sau"
    assert later.status_code == 200 and later.json["commune_id"] is None
    _issue(app, campaign_id, "KH")
    _schedule(app, campaign_id, target_id)
    token = signed_in(client, accounts, "staff")

    refused = client.post(
        f"/campaigns/{campaign_id}/targets/{target_id}/delete", data={"csrf_token": token}
    )
    assert refused.status_code == 303
    page = flashes(client)
    assert "Không thể xóa đơn vị" in page and "đã xếp lịch kiểm tra" in page
    with app.app_context(), transaction() as db:
        other_office = next(
            t.office_id for t in _campaign(db, campaign_id).targets if t.id != target_id
        )
        free = Organisation(
            kind="district_office", name="Phòng Lao động huyện Mới", district="huyện Mới"
        )
        db.add(free)
        db.flush()
        free_office = free.id
    duplicate = api.patch(url, json={"office_id": other_office})
    assert duplicate.status_code == 422
    assert duplicate.json["detail"]["json"]["office_id"] == ["Đơn vị đã có trong kế hoạch"]
    moved = api.patch(url, json={"office_id": free_office, "commune_id": None})
    assert moved.status_code == 409 and "Không thể đổi đơn vị" in moved.json["message"]

    chosen = client.post(
        f"/campaigns/{campaign_id}/targets/{target_id}",
        data={"csrf_token": token, "office_id": later.json["office_id"], "commune_id": commune_id},
    )
    assert chosen.status_code == 303, text(chosen)
    # Once chosen, a scheduled visit names it: changing it again is refused with the reason.
    again = api.patch(url, json={"commune_id": other_id})
    assert again.status_code == 409
    assert "Không thể đổi đơn vị cấp xã" in again.json["message"]
    assert "đã xếp lịch kiểm tra" in again.json["message"]


def test_the_team_is_edited_and_a_named_member_stays_until_a_new_decision(
    app: Flask, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        members = _campaign(db, campaign_id).members
        leader = next(m for m in members if m.role == "truong_doan")
        member = next(m for m in members if m.role == "thanh_vien")
        ids = {"leader": leader.id, "member": member.id, "member_version": member.version}
        name = member.person.full_name
    token = signed_in(client, accounts, "staff")
    team = f"/campaigns/{campaign_id}/team"
    page = text(client.get(team))
    assert f'data-member="{ids["member"]}"' in page and "Lưu vai trò" in page
    second_leader = client.post(
        f"{team}/{ids['member']}",
        data={"csrf_token": token, "role": "truong_doan", "version": ids["member_version"]},
    )
    page = text(second_leader)
    assert second_leader.status_code == 422 and "Đoàn đã có Trưởng đoàn" in page
    assert page.count('data-error-for="role"') == 1  # on the member's row, not the add form
    secretary = client.post(
        f"{team}/{ids['member']}",
        data={"csrf_token": token, "role": "thu_ky", "version": ids["member_version"]},
    )
    assert secretary.status_code == 303 and f"Đã lưu vai trò của {name}" in flashes(client)

    reference = _issue(app, campaign_id, "KH", "QD")
    refused = client.post(f"{team}/{ids['leader']}/delete", data={"csrf_token": token})
    assert refused.status_code == 303
    page = flashes(client)
    assert f"Quyết định thành lập Đoàn kiểm tra số {reference}" in page
    assert "Lập phiên bản mới" in page
    api = api_client(app, "staff")
    member_url = f"/api/v1/campaigns/{campaign_id}/members/{ids['member']}"
    assert api.patch(member_url, json={"role": "thanh_vien"}).status_code == 409
    assert api.delete(member_url).status_code == 409

    # The correction: the decision's next version, drafted; the team is changed for it.
    with app.app_context(), transaction() as db:
        documents.draft(db, SYSTEM, campaign_id, "QD")
    removed = client.post(f"{team}/{ids['member']}/delete", data={"csrf_token": token})
    assert removed.status_code == 303 and "Đã xóa thành viên" in flashes(client)
    with app.app_context(), transaction() as db:
        assert db.get(TeamMember, ids["member"]) is None
        assert db.scalar(select(Person).where(Person.full_name == name)) is not None


def test_the_api_edits_and_removes_targets_and_members(app: Flask, campaign_id: int) -> None:
    api = api_client(app, "staff")
    campaign = api.get(f"/api/v1/campaigns/{campaign_id}").json
    target, member = campaign_targets(api, campaign_id)[-1], campaign["members"][-1]
    t_url = f"/api/v1/campaigns/{campaign_id}/targets/{target['id']}"
    m_url = f"/api/v1/campaigns/{campaign_id}/members/{member['id']}"
    changed = api.patch(t_url, json={"commune_id": None}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    stale = api.delete(t_url, headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json["version"] == 2
    assert api.delete(t_url, headers={"If-Match": '"2"'}).status_code == 204
    assert api.delete(t_url).status_code == 404
    assert api.patch(m_url, json={"role": "nobody"}).status_code == 422
    role = api.patch(m_url, json={"role": "thu_ky"})
    assert role.status_code == 200 and role.json["role"] == "thu_ky"
    assert api.delete(m_url).status_code == 204
    after = api.get(f"/api/v1/campaigns/{campaign_id}").json
    assert target["id"] not in {t["id"] for t in campaign_targets(api, campaign_id)}
    assert after["target_count"] == campaign["target_count"] - 1
    assert member["id"] not in {m["id"] for m in after["members"]}
    # Another campaign's part is not found through this one.
    other = api.post(
        "/api/v1/campaigns", json={"copy_from": campaign_id, "year": 2031, "title": "Bản sao"}
    ).json
    foreign = (
        f"/api/v1/campaigns/{other['id']}/targets/{campaign_targets(api, campaign_id)[0]['id']}"
    )
    assert api.patch(foreign, json={"commune_id": None}).status_code == 404
    spec = api.get("/api/v1/openapi.json").json["paths"]
    assert {"patch", "delete"} <= set(spec["/api/v1/campaigns/{campaign_id}/targets/{target_id}"])
    assert {"patch", "delete"} <= set(spec["/api/v1/campaigns/{campaign_id}/members/{member_id}"])


def test_district_users_and_archived_campaigns_change_nothing(
    app: Flask, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        campaign = _campaign(db, campaign_id)
        office = db.scalar(select(Organisation).where(Organisation.code == "LĐTBXH-TPLS"))
        assert office is not None
        own = next(t for t in campaign.targets if t.office_id == office.id)
        member_id, office_id, own_id = campaign.members[0].id, office.id, own.id
    district = api_client(app, "district", office_id)
    url = f"/api/v1/campaigns/{campaign_id}/targets/{own_id}"
    assert district.patch(url, json={"commune_id": None}).status_code == 403
    assert district.delete(url).status_code == 403

    with app.app_context(), transaction() as db:
        _campaign(db, campaign_id).stage = Stage.ARCHIVED
    api = api_client(app, "staff")
    closed = api.delete(url)
    assert closed.status_code == 409 and "lưu trữ" in closed.json["message"]
    member_url = f"/api/v1/campaigns/{campaign_id}/members/{member_id}"
    assert api.patch(member_url, json={"role": "thu_ky"}).status_code == 409
    signed_in(client, accounts, "staff")
    for page in ("targets", "team"):
        html = text(client.get(f"/campaigns/{campaign_id}/{page}"))
        assert "lưu trữ" in html and ">Xóa<" not in html and "/delete" not in html
