"""A district user before its visit: reads the documents sent to its office, sends its own
report and figures; the team sees them on the visit form and records its own (issue 17)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service.commands import documents
from service.database import transaction
from service.models import Campaign, DistrictSubmission, Document, User, Visit
from tests.auth_helper import SYSTEM, api_client
from tests.test_web import _announced, _plan_issued, signed_in, text
from tests.test_web_support import Accounts, accounts, campaign_id

__all__ = ["accounts", "campaign_id"]  # fixtures used here

PDF = b"%PDF-1.4\n% bao cao cua don vi\n"


def _visits(app: Flask, campaign: Campaign) -> tuple[int, int, int]:
    """(the district user's office, its visit, another office's visit)."""
    with app.app_context(), transaction() as db:
        office = db.scalar(select(User.organisation_id).where(User.role == "district"))
        fresh = db.get(Campaign, campaign.id)
        assert fresh is not None and office is not None
        own = next(t for t in fresh.targets if t.office_id == office)
        other = next(t for t in fresh.targets if t.office_id != office)
        assert own.visit is not None and other.visit is not None
        return office, own.visit.id, other.visit.id


def _upload(client: FlaskClient, token: str, visit_id: int, name: str, content: bytes) -> Any:
    data = {"csrf_token": token, "report": (io.BytesIO(content), name)}
    return client.post(
        f"/visits/{visit_id}/submission/report", data=data, content_type="multipart/form-data"
    )


def test_a_district_user_reads_the_plan_and_the_decision_once_issued(
    app: Flask, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    _plan_issued(app, campaign_id)
    with app.app_context(), transaction() as db:
        plan = db.scalar(select(Document.id).where(Document.kind == "KH"))
        decision = documents.draft(db, SYSTEM, campaign_id, "QD").id
    signed_in(client, accounts, "district")
    assert client.get(f"/documents/{plan}").status_code == 200
    assert client.get(f"/documents/{decision}").status_code == 404  # a draft: not sent yet
    with app.app_context(), transaction() as db:
        documents.issue(db, SYSTEM, decision)
    assert client.get(f"/documents/{decision}").status_code == 200
    listed = client.get(f"/campaigns/{campaign_id}/progress.json").json
    assert {d["id"] for d in listed["documents"]} == {plan, decision}


def test_the_submission_page_lists_what_was_sent_to_the_office(
    app: Flask, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    campaign = _announced(app, campaign_id)
    _office, own_visit, other_visit = _visits(app, campaign)
    with app.app_context(), transaction() as db:
        plan = db.scalar(select(Document.id).where(Document.kind == "KH"))
        own_target = db.get(Visit, own_visit).target_id  # type: ignore[union-attr]
        notices = {
            d.target_id: d.id for d in db.scalars(select(Document).where(Document.kind == "TB"))
        }
    other_notice = next(i for t, i in notices.items() if t != own_target)
    signed_in(client, accounts, "district")
    assert client.get(f"/documents/{other_notice}").status_code == 404
    page = text(client.get(f"/visits/{own_visit}/submission"))
    assert f"/documents/{plan}" in page and f"/documents/{notices[own_target]}" in page
    assert f"/documents/{other_notice}" not in page
    assert client.get(f"/visits/{other_visit}/submission").status_code == 404


def test_the_district_sends_its_report_and_figures_and_the_team_confirms_them(
    app: Flask, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    campaign = _announced(app, campaign_id)
    _office, own_visit, _other = _visits(app, campaign)
    token = signed_in(client, accounts, "district")
    page = text(client.get(f"/visits/{own_visit}"))
    assert "Gửi báo cáo, số liệu của đơn vị" in page
    assert "fieldset disabled" in page or "<fieldset disabled" in page  # read-only visit form

    refused = _upload(client, token, own_visit, "bao-cao.pdf", b"not a pdf at all")
    assert refused.status_code == 422 and "Chỉ nhận tệp PDF hoặc DOCX" in text(refused)
    assert _upload(client, token, own_visit, "Báo cáo TPLS.pdf", PDF).status_code == 303
    page = text(client.get(f"/visits/{own_visit}/submission"))
    assert "Báo cáo TPLS.pdf" in page and hashlib.sha256(PDF).hexdigest() in page
    download = client.get(f"/visits/{own_visit}/submission/report")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"

    bad = {"csrf_token": token, "statistics.workers": "5", "statistics.workers_migrant": "9"}
    refused = client.post(f"/visits/{own_visit}/submission/statistics", data=bad)
    assert refused.status_code == 422 and 'data-error-for="statistics.workers_migrant"' in text(
        refused
    )
    assert 'value="9"' in text(refused)  # what was typed is shown again
    good = {"csrf_token": token, "statistics.businesses": "12", "statistics.workers": "40"}
    assert client.post(f"/visits/{own_visit}/submission/statistics", data=good).status_code == 303

    team = app.test_client()
    staff_token = signed_in(team, accounts, "staff")
    assert _upload(team, staff_token, own_visit, "x.pdf", PDF).status_code == 403
    form = text(team.get(f"/visits/{own_visit}"))
    assert 'value="12"' in form and 'value="40"' in form  # the office's, filled in
    assert 'data-reported="workers">40<' in form
    with app.app_context(), transaction() as db:
        version = db.get(Visit, own_visit).version  # type: ignore[union-attr]
    record = {
        "csrf_token": staff_token,
        "version": str(version),
        "statistics.businesses": "12",
        "statistics.workers": "38",  # corrected on site
    }
    saved = team.post(f"/visits/{own_visit}", data=record)
    assert saved.status_code == 303, text(saved)
    with app.app_context(), transaction() as db:
        visit = db.get(Visit, own_visit)
        assert visit is not None and visit.statistics == {"businesses": 12, "workers": 38}
        kept = db.scalar(select(DistrictSubmission).where(DistrictSubmission.visit_id == own_visit))
        assert kept is not None and kept.statistics == {"businesses": 12, "workers": 40}
    form = text(team.get(f"/visits/{own_visit}"))
    assert 'value="38"' in form and 'data-reported="workers">40<' in form
    assert _upload(client, token, own_visit, "khac.pdf", PDF).status_code == 303
    assert "đơn vị không thể gửi thêm" in text(client.get("/"))
    assert "khac.pdf" not in text(client.get(f"/visits/{own_visit}/submission"))


def test_the_same_use_cases_through_the_api(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    campaign = _announced(app, campaign_id)
    office, own_visit, other_visit = _visits(app, campaign)
    district, staff = api_client(app, "district", office), api_client(app, "staff")
    base = f"/api/v1/visits/{own_visit}/submission"
    assert district.get(base).json == {"visit_id": own_visit, "statistics": {}}
    wrong = district.put(f"{base}/statistics", json={"statistics": {"workers": "nhiều"}})
    assert wrong.status_code == 422 and "statistics.workers" in wrong.json["detail"]["json"]
    sent = district.put(f"{base}/statistics", json={"statistics": {"workers": 7}})
    assert sent.status_code == 200 and sent.json["statistics"] == {"workers": 7}
    assert staff.put(f"{base}/statistics", json={"statistics": {}}).status_code == 403
    other = f"/api/v1/visits/{other_visit}/submission"
    assert district.put(f"{other}/statistics", json={"statistics": {}}).status_code == 404
    assert district.get(other).status_code == 404
    docx = _docx()
    uploaded = district.put(f"{base}/report", data={"file": (io.BytesIO(docx), "bc.pdf")})
    assert uploaded.status_code == 200, uploaded.json
    assert uploaded.json["report_format"] == "docx" and uploaded.json["report_name"] == "bc.docx"
    assert uploaded.json["report_sha256"] == hashlib.sha256(docx).hexdigest()
    assert staff.get(f"{base}/report").data == docx
    assert (
        "/api/v1/visits/{visit_id}/submission/report"
        in staff.get("/api/v1/openapi.json").json["paths"]
    )


def _docx() -> bytes:
    """The smallest package the content check takes for a DOCX."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()
