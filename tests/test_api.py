"""The JSON API: every lifecycle step, 404/409/422 answers, pagination, the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.database import session, transaction
from service.models import Campaign, Document, LifecycleEvent
from service.seed.load import load_demo
from tests.auth_helper import campaign_targets
from tests.jobs_helper import run_due_jobs
from workflows.vocabulary import JobKind


@pytest.fixture
def campaign_id(app: Any) -> int:
    with app.app_context(), transaction() as db:
        return load_demo(db).id


def test_openapi_is_3_1(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/campaigns/{campaign_id}/lifecycle" in spec["paths"]


def test_list_is_paginated(client: FlaskClient, campaign_id: int) -> None:
    page = client.get("/api/v1/organisations?per_page=5&page=2").json
    assert page["meta"]["per_page"] == 5 and page["meta"]["page"] == 2
    assert page["meta"]["total"] > 30 and len(page["items"]) == 5
    assert client.get("/api/v1/organisations?per_page=1000").status_code == 422


def test_unknown_id_is_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/campaigns/999")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.json["message"]
    assert client.get("/api/v1/documents/999").status_code == 404
    assert client.post("/api/v1/visits/999/skip", json={"reason": "x"}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"issuer_id": "một", "year": 2023, "title": "x"},
        {"issuer_id": 1, "year": 1800, "title": "x"},
        {"issuer_id": 1, "year": 2023, "title": ""},
        {"issuer_id": 1, "year": 2023, "title": "x", "unexpected": True},
        {"issuer_id": 1, "year": 2023, "title": "x", "contents": [{"number": "a"}]},
        {"issuer_id": 1, "year": 2023, "title": "x", "signing": {"KH": [{"party": "ai"}]}},
        {"issuer_id": 1, "year": 2023, "title": "x", "signing": {"XX": [{"party": "signer"}]}},
        {"issuer_id": 1, "year": 2023, "title": "x", "signing": {"KH": []}},
    ],
)
def test_invalid_campaign_is_422_with_fields(client: FlaskClient, body: dict[str, Any]) -> None:
    before = session().scalar(select(func.count(Campaign.id)))
    response = client.post("/api/v1/campaigns", json=body)
    assert response.status_code == 422
    assert response.json["detail"]["json"]
    assert session().scalar(select(func.count(Campaign.id))) == before


def test_malformed_json_is_not_a_500(client: FlaskClient) -> None:
    response = client.post("/api/v1/campaigns", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)


def test_unknown_reference_is_422(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/campaigns", json={"issuer_id": 424242, "year": 2023, "title": "x"}
    )
    assert response.status_code == 422
    assert response.json["detail"]["json"] == {"issuer_id": ["Không tồn tại"]}


def test_refused_transition_is_409_with_what_is_missing(
    client: FlaskClient, campaign_id: int
) -> None:
    response = client.post(f"/api/v1/campaigns/{campaign_id}/actions/schedule_visits", json={})
    assert response.status_code == 409
    assert "Dự thảo kế hoạch" in response.json["message"]
    steps = client.get(f"/api/v1/campaigns/{campaign_id}/lifecycle").json["next_steps"]
    assert [s["action"] for s in steps] == ["issue_plan"] and steps[0]["allowed"]


def test_visit_statistics_are_validated(client: FlaskClient, campaign_id: int) -> None:
    _to_visits_scheduled(client, campaign_id)
    visit_id = campaign_targets(client, campaign_id)[0]["visit"]["id"]
    response = client.post(
        f"/api/v1/visits/{visit_id}/result",
        json={"statistics": {"workers": 3, "workers_female": 5, "hotspots": -1}},
    )
    assert response.status_code == 422
    fields = response.json["detail"]["json"]
    assert "statistics.hotspots" in fields
    assert client.get(f"/api/v1/visits/{visit_id}").json["status"] == "scheduled"


def test_visit_statistics_keyed_by_an_unknown_indicator_are_422(
    client: FlaskClient, campaign_id: int
) -> None:
    """A figure the plan does not collect is refused by name, and nothing of the result is kept."""
    _to_visits_scheduled(client, campaign_id)
    visit_id = campaign_targets(client, campaign_id)[0]["visit"]["id"]
    before = client.get(f"/api/v1/visits/{visit_id}").json
    response = client.post(
        f"/api/v1/visits/{visit_id}/result",
        json={
            "statistics": {"businesses": 4, "children": 3},
            "unit_comments": "Thống nhất.",
        },
    )
    assert response.status_code == 422, response.json
    fields = response.json["detail"]["json"]
    assert list(fields) == ["statistics.children"]
    assert "«children» không có trong kế hoạch" in " ".join(fields["statistics.children"])
    after = client.get(f"/api/v1/visits/{visit_id}").json
    assert after == before and after["status"] == "scheduled"


def _to_visits_scheduled(client: FlaskClient, campaign_id: int) -> None:
    plan = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}).json
    assert plan["status"] == "draft" and plan["number"] is None
    issued = client.post(f"/api/v1/documents/{plan['id']}/issue", json={"issue_date": "2023-04-05"})
    assert issued.status_code == 200, issued.json
    assert issued.json["reference"] == "01/KH-SLĐTBXH"
    targets = campaign_targets(client, campaign_id)
    for i, target in enumerate(targets):
        response = client.post(
            f"/api/v1/campaigns/{campaign_id}/visits",
            json={
                "target_id": target["id"],
                "start": f"2023-09-{i + 5:02d}T08:00:00",
                "end": f"2023-09-{i + 5:02d}T11:30:00",
                "place": "Trụ sở",
                "confirm_non_working_days": True,  # 9 and 10 September are a weekend
            },
        )
        assert response.status_code == 201, response.json
    response = client.post(
        f"/api/v1/campaigns/{campaign_id}/actions/schedule_visits",
        json={"issue_date": "2023-08-21"},
    )
    assert response.status_code == 202, response.json
    assert response.json["stage"] == "visits_scheduled"
    run_due_jobs(kind=JobKind.ISSUE)  # the notices, issued by the job the step left
    progress = client.get(response.headers["Location"]).json["issuing"]
    assert (progress["done"], progress["total"], progress["state"]) == (11, 11, "done")


def test_whole_lifecycle_through_the_api(client: FlaskClient, campaign_id: int) -> None:
    _to_visits_scheduled(client, campaign_id)
    campaign = client.get(f"/api/v1/campaigns/{campaign_id}").json
    assert campaign["stage"] == "visits_scheduled"
    notices = client.get(f"/api/v1/campaigns/{campaign_id}/documents?kind=TB&per_page=100").json
    assert notices["meta"]["total"] == 11
    assert [d["number"] for d in notices["items"]] == list(range(2, 13))

    assert campaign["target_count"] == 11
    visit_ids = [t["visit"]["id"] for t in campaign_targets(client, campaign_id)]
    refused = client.post(
        f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "BB", "visit_id": visit_ids[0]}
    )
    assert refused.status_code == 409 and "chưa diễn ra" in refused.json["message"]

    refused = client.post(f"/api/v1/campaigns/{campaign_id}/actions/issue_report", json={})
    assert refused.status_code == 409

    for visit_id in visit_ids[:-1]:
        response = client.post(
            f"/api/v1/visits/{visit_id}/result",
            json={
                "statistics": {"businesses": 4, "workers": 10, "workers_female": 7},
                "findings": {"1": "Đã ban hành kế hoạch."},
                "unit_comments": "Nhất trí.",
            },
        )
        assert response.status_code == 200, response.json
        minutes = client.post(
            f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "BB", "visit_id": visit_id}
        ).json
        issued = client.post(f"/api/v1/documents/{minutes['id']}/issue", json={}).json
        assert issued["code"] == "BB-ĐKT"
    assert (
        client.post(f"/api/v1/visits/{visit_ids[-1]}/skip", json={"reason": ""}).status_code == 422
    )
    skipped = client.post(f"/api/v1/visits/{visit_ids[-1]}/skip", json={"reason": "Bão lũ"})
    assert skipped.json["status"] == "skipped"
    assert client.get(f"/api/v1/campaigns/{campaign_id}").json["stage"] == "minutes_issued"

    response = client.post(
        f"/api/v1/campaigns/{campaign_id}/actions/issue_report", json={"issue_date": "2023-11-20"}
    )
    assert response.status_code == 200, response.json
    archived = client.post(f"/api/v1/campaigns/{campaign_id}/actions/archive", json={})
    assert archived.status_code == 200, archived.json
    assert archived.json["stage"] == "archived"
    events = [e["action"] for e in archived.json["events"]]
    assert events == [
        "issue_plan",
        "schedule_visits",
        "complete_visits",
        "complete_minutes",
        "issue_report",
        "archive",
    ]
    reports = client.get(f"/api/v1/campaigns/{campaign_id}/documents?kind=BC").json["items"]
    assert reports[0]["reference"] == "13/BC-SLĐTBXH"
    numbers = (
        session()
        .scalars(
            select(Document.number).where(Document.status == "issued", Document.code.like("BB%"))
        )
        .all()
    )
    assert sorted(numbers) == list(range(1, 11))
    assert session().scalar(select(func.count(LifecycleEvent.id))) == 6


def test_issued_document_cannot_be_issued_again(client: FlaskClient, campaign_id: int) -> None:
    plan = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}).json
    assert client.post(f"/api/v1/documents/{plan['id']}/issue", json={}).status_code == 200
    again = client.post(f"/api/v1/documents/{plan['id']}/issue", json={})
    assert again.status_code == 409


def test_correction_is_a_new_version(client: FlaskClient, campaign_id: int) -> None:
    plan = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}).json
    first = client.post(f"/api/v1/documents/{plan['id']}/issue", json={}).json
    client.patch(f"/api/v1/campaigns/{campaign_id}", json={"contact_phone": "02053.000000"})
    draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}).json
    assert draft["version"] == 2 and draft["id"] != first["id"]
    second = client.post(f"/api/v1/documents/{draft['id']}/issue", json={}).json
    assert second["number"] == first["number"] + 1
    assert client.get(f"/api/v1/documents/{first['id']}").json["status"] == "superseded"


def test_people_signers_and_series_plan(client: FlaskClient, campaign_id: int) -> None:
    campaign = client.get(f"/api/v1/campaigns/{campaign_id}").json
    issuer = campaign["issuer_id"]
    person = client.post(
        "/api/v1/people", json={"full_name": "Hoàng Văn Thắng", "position": "Giám đốc Sở"}
    )
    assert person.status_code == 201
    signer = client.post(
        "/api/v1/signers",
        json={"person_id": person.json["id"], "position_title": "GIÁM ĐỐC"},
    )
    assert signer.status_code == 201 and signer.json["name"] == "Hoàng Văn Thắng"
    bad = client.post(
        "/api/v1/signers",
        json={"person_id": person.json["id"], "authority_prefix": "XX.", "position_title": "A"},
    )
    assert bad.status_code == 422 and "authority_prefix" in bad.json["detail"]["json"]
    cycle = client.patch(f"/api/v1/organisations/{issuer}", json={"parent_id": issuer})
    assert cycle.status_code == 422

    # One series per kind: the plan and the team decision each start at 01.
    assert (
        client.patch(f"/api/v1/organisations/{issuer}", json={"series_plan": "per_kind"}).json[
            "series_plan"
        ]
        == "per_kind"
    )
    client.patch(f"/api/v1/campaigns/{campaign_id}", json={"signer_id": signer.json["id"]})
    plan = client.post(f"/api/v1/campaigns/{campaign_id}/actions/issue_plan", json={})
    assert plan.status_code == 200, plan.json
    team = client.post(f"/api/v1/campaigns/{campaign_id}/actions/decide_team", json={})
    assert team.status_code == 200, team.json
    refs = sorted(
        d["reference"]
        for d in client.get(f"/api/v1/campaigns/{campaign_id}/documents?status=issued").json[
            "items"
        ]
    )
    assert refs == ["01/KH-SLĐTBXH", "01/QĐ-SLĐTBXH"]


def test_signers_are_changed_and_removed(client: FlaskClient, campaign_id: int) -> None:
    used = client.get(f"/api/v1/campaigns/{campaign_id}").json["signer_id"]
    person = next(s for s in client.get("/api/v1/signers").json if s["id"] == used)["person_id"]
    created = client.post("/api/v1/signers", json={"person_id": person, "position_title": "GĐ"})
    assert created.status_code == 201
    new = created.json["id"]
    twice = client.post("/api/v1/signers", json={"person_id": person, "position_title": "GĐ"})
    assert twice.status_code == 422 and "authority_title" in twice.json["detail"]["json"]
    changed = client.patch(f"/api/v1/signers/{new}", json={"authority_prefix": "Q."})
    assert changed.status_code == 200
    assert (changed.json["authority_prefix"], changed.json["position_title"]) == ("Q.", "GĐ")
    nobody = client.patch(f"/api/v1/signers/{new}", json={"person_id": 999999})
    assert nobody.status_code == 422 and "person_id" in nobody.json["detail"]["json"]
    # The campaign signs in the other capacity: refused, named, nothing removed.
    refused = client.delete(f"/api/v1/signers/{used}")
    assert refused.status_code == 409 and "đang dùng" in refused.json["message"]
    assert client.delete(f"/api/v1/signers/{new}").status_code == 204
    assert [s["id"] for s in client.get("/api/v1/signers").json].count(used) == 1
    assert client.patch(f"/api/v1/signers/{new}", json={}).status_code == 404
