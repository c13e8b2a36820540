"""Issue 17's smaller parts: API docs that work offline, an audit log people can read, and forms
that say their limits and refuse what documents cannot print."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from service.commands import documents
from service.database import transaction
from service.documents.store import put_file
from service.models import AuditEntry, Campaign
from tests.auth_helper import SYSTEM
from tests.test_web_support import Accounts, accounts, campaign_id, csrf_token, sign_in
from workflows import text
from workflows.inspection import MAX_LINE, MAX_TEXT

__all__ = ["accounts", "campaign_id"]  # fixtures used here


def signed_in(client: FlaskClient, accounts: Accounts, role: str) -> str:
    assert sign_in(client, *accounts[role]).status_code == 303
    return csrf_token(client.get("/").get_data(as_text=True))


def page_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


def test_the_api_docs_load_nothing_from_elsewhere(client: FlaskClient) -> None:
    docs = page_of(client.get("/api/v1/docs"))
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert len(assets) >= 4 and "SwaggerUIBundle" in docs
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset


def _plan_with_pdf(app: Any, campaign_id: int) -> int:
    with app.app_context(), transaction() as db:
        doc = documents.draft(db, SYSTEM, campaign_id, "KH")
        put_file(db, doc, "pdf", b"%PDF-1.4 thu")
        return doc.id


def _actions(app: Any, doc_id: int) -> list[str]:
    with app.app_context(), transaction() as db:
        stmt = select(AuditEntry.action).where(AuditEntry.object_id == str(doc_id))
        return list(db.scalars(stmt.where(AuditEntry.object_type == "document")))


def test_reading_a_document_in_its_page_is_a_view_and_a_file_a_download(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    doc_id = _plan_with_pdf(app, campaign_id)
    signed_in(client, accounts, "leader")
    assert client.get(f"/documents/{doc_id}/files/pdf?inline=1").status_code == 200
    assert "document.view" in _actions(app, doc_id)
    assert "document.download" not in _actions(app, doc_id)
    assert client.get(f"/documents/{doc_id}/files/pdf").status_code == 200
    assert "document.download" in _actions(app, doc_id)


def test_the_audit_log_speaks_vietnamese_names_links_and_filters(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    doc_id = _plan_with_pdf(app, campaign_id)
    token = signed_in(client, accounts, "leader")
    assert client.get(f"/documents/{doc_id}/files/pdf?inline=1").status_code == 200
    issued = client.post(
        f"/documents/{doc_id}/issue", data={"csrf_token": token, "issue_date": "2023-04-05"}
    )
    assert issued.status_code == 303
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        title = campaign.title

    page = page_of(client.get("/audit?object_type=document"))
    assert "Ban hành văn bản" in page and "Xem văn bản" in page
    assert f'href="/documents/{doc_id}"' in page and "Kế hoạch kiểm tra số " in page
    assert "register #" not in page and "document #" not in page
    assert ">document.issue<" not in page  # the code is only a tooltip
    assert "Đăng nhập" not in page  # sign-ins are a user's, not a document's

    leader = accounts["leader"][0]
    mine = page_of(client.get(f"/audit?actor={leader}&area=user."))
    assert "Đăng nhập" in mine and "Nguyễn Văn Giang" in mine
    assert "Không có mục nào" in page_of(client.get("/audit?actor=vanthu&area=user."))

    today = date.today()
    future = (today + timedelta(days=2)).isoformat()
    assert "Không có mục nào" in page_of(client.get(f"/audit?from={future}"))
    window = f"from={(today - timedelta(days=1)).isoformat()}&to={today + timedelta(days=1)}"
    assert "Ban hành văn bản" in page_of(client.get(f"/audit?{window}"))
    wrong = client.get(f"/audit?from={today}&to={today - timedelta(days=3)}")
    assert wrong.status_code == 422 and "Ngày kết thúc phải sau" in page_of(wrong)
    assert client.get("/audit?from=hôm-qua&page=abc&object_type=x").status_code == 422

    # A campaign's changes name it and link to it.
    client.post(f"/campaigns/{campaign_id}/plan", data={"csrf_token": token})
    with app.app_context(), transaction() as db:
        for i in range(60):
            db.add(
                AuditEntry(
                    actor=leader,
                    action="campaign.update",
                    object_type="campaign",
                    object_id=str(campaign_id),
                    detail=f"mục {i}",
                )
            )
    first = page_of(client.get("/audit?object_type=campaign"))
    assert "Sửa kế hoạch kiểm tra" in first and title in first
    assert f'href="/campaigns/{campaign_id}"' in first
    assert "Trang 1/2" in first and "object_type=campaign" in first.split("Trang sau")[0][-200:]
    assert "Trang 2/2" in page_of(client.get("/audit?object_type=campaign&page=2"))


def test_every_recorded_action_has_a_label() -> None:
    from service import audit

    for action in (
        "campaign.update",
        "target.delete",
        "document.issue",
        "dispatch.sent",
        "document.superseded",
        "user.sign_in_failed",
        "file.corrupt",
    ):
        assert audit.action_label(action) != action


def test_characters_documents_cannot_print_are_refused_with_the_reason() -> None:
    assert text.printing_problem("Căn cứ Luật An toàn, vệ sinh lao động năm 2015") is None
    emoji = text.printing_problem("Kiểm tra 😀")
    assert emoji is not None and "emoji" in emoji and "vị trí 10" in emoji
    assert text.printing_problem("a\u202eb") is not None
    assert text.printing_problem("a\u200bb") is not None


def test_the_plan_refuses_emoji_and_invisible_characters_per_field(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    form = page_of(client.get(f"/campaigns/{campaign_id}/plan"))
    assert f'maxlength="{MAX_LINE}"' in form and f'data-text-limit="{MAX_TEXT}"' in form
    assert "emoji" in form
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version
    data = {
        "csrf_token": token,
        "version": version.group(1),
        "title": "Kế hoạch kiểm tra",
        "year": "2023",
        "legal_bases": ["Căn cứ Luật 😀", "Căn cứ Nghị định"],
        "purposes": ["Mục đích\u200b"],
        "contents_count": "1",
        "contents.0.title": "Nội dung\u202e",
        "contents.0.paragraphs": ["Đoạn"],
    }
    refused = client.post(f"/campaigns/{campaign_id}/plan", data=data)
    page = page_of(refused)
    assert refused.status_code == 422
    for field in ("legal_bases", "purposes", "contents.0.title"):
        assert f'data-error-for="{field}"' in page, field
    assert "emoji" in page and "U+200B" in page and "U+202E" in page


def test_a_state_never_reaches_a_message_as_its_code(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    doc_id = _plan_with_pdf(app, campaign_id)
    token = signed_in(client, accounts, "leader")
    day = {"csrf_token": token, "issue_date": "2023-04-05"}
    assert client.post(f"/documents/{doc_id}/issue", data=day).status_code == 303
    client.post(f"/documents/{doc_id}/issue", data=day)
    page = page_of(client.get(f"/documents/{doc_id}"))
    assert "«issued»" not in page
