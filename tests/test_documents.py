"""Issued documents end to end in one process: context, render, PDF, immutability, templates."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from docx import Document as Docx
from docx.shared import Mm
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import update

from service.database import transaction
from service.documents.libreoffice import libreoffice_available
from service.documents.store import committed_template
from service.models import Job
from service.seed.load import load_demo
from service.timeutil import utcnow
from tests.jobs_helper import run_due_jobs


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def campaign_id(ctx: None) -> int:
    with transaction() as db:
        return load_demo(db).id


def docx_text(content: bytes) -> str:
    doc = Docx(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def issue(client: FlaskClient, campaign_id: int, body: dict[str, Any], day: str) -> dict[str, Any]:
    draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json=body)
    assert draft.status_code == 201, draft.json
    issued = client.post(f"/api/v1/documents/{draft.json['id']}/issue", json={"issue_date": day})
    assert issued.status_code == 200, issued.json
    return dict(issued.json)


def test_issued_plan_is_numbered_dated_hashed_and_frozen(
    client: FlaskClient, campaign_id: int
) -> None:
    plan = issue(client, campaign_id, {"kind": "KH"}, "2023-02-05")
    outcomes = run_due_jobs()
    assert outcomes and set(outcomes) == {"done"}
    body = client.get(f"/api/v1/documents/{plan['id']}").json
    files = {f["format"]: f for f in body["files"]}
    docx = client.get(f"/api/v1/documents/{plan['id']}/files/docx")
    assert docx.status_code == 200
    assert "filename*=UTF-8''01-KH-SL%C4%90TBXH" in docx.headers["Content-Disposition"]
    text = docx_text(docx.data)
    assert "Số: 01/KH-SLĐTBXH" in text
    assert "Lạng Sơn, ngày 05 tháng 02 năm 2023" in text
    assert "DỰ THẢO" not in text
    assert "- Lưu: VT, PCTNXH." in text
    assert "KT. GIÁM ĐỐC" in text and "Nguyễn Văn Giang" in text
    section = Docx(io.BytesIO(docx.data)).sections[0]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (210, 297)
    assert hashlib.sha256(docx.data).hexdigest() == files["docx"]["sha256"]

    # Editing the campaign afterwards does not touch the issued document.
    client.patch(f"/api/v1/campaigns/{campaign_id}", json={"contact_phone": "0000"})
    client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "QD"})
    run_due_jobs()
    again = client.get(f"/api/v1/documents/{plan['id']}/files/docx")
    assert again.data == docx.data


def test_draft_is_marked_and_unnumbered(client: FlaskClient, campaign_id: int) -> None:
    draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}).json
    run_due_jobs()
    text = docx_text(client.get(f"/api/v1/documents/{draft['id']}/files/docx").data)
    assert "DỰ THẢO" in text
    assert "Số:      /KH-SLĐTBXH" in text


def test_pdf_of_an_issued_document(client: FlaskClient, campaign_id: int) -> None:
    if libreoffice_available() is None:
        pytest.skip("LibreOffice is not installed")
    plan = issue(client, campaign_id, {"kind": "KH"}, "2023-04-05")
    run_due_jobs()
    pdf = client.get(f"/api/v1/documents/{plan['id']}/files/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    text = unicodedata.normalize("NFC", " ".join(p.extract_text() for p in reader.pages))
    assert "KẾ HOẠCH" in text and "Nguyễn Văn Giang" in text
    files = {f["format"]: f for f in client.get(f"/api/v1/documents/{plan['id']}").json["files"]}
    assert files["pdf"]["page_count"] == len(reader.pages) >= 2


def test_without_libreoffice_the_document_says_why(
    client: FlaskClient, campaign_id: int, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workers.kinds.libreoffice_available", lambda _path="": None)
    plan = issue(client, campaign_id, {"kind": "KH"}, "2023-04-05")
    run_due_jobs()
    body = client.get(f"/api/v1/documents/{plan['id']}").json
    assert [f["format"] for f in body["files"]] == ["docx"]
    assert "LibreOffice" in body["pdf_note"]
    assert client.get(f"/api/v1/documents/{plan['id']}/files/pdf").status_code == 404


def test_a_conversion_that_keeps_failing_is_given_up_visibly_and_the_docx_still_goes(
    client: FlaskClient, campaign_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A LibreOffice that hangs on a document is killed by the converter's timeout (see
    test_pdf_converter); the job retries with backoff, then fails, and says so."""

    def hangs(_docx: bytes) -> bytes:
        raise TimeoutError("LibreOffice không trả lời sau 60 giây, đã khởi động lại")

    monkeypatch.setattr("workers.kinds.libreoffice_available", lambda _path="": "soffice")
    monkeypatch.setattr("workers.kinds.pdf.get_converter", lambda: SimpleNamespace(convert=hangs))
    plan = issue(client, campaign_id, {"kind": "KH"}, "2023-04-05")
    attempts = []
    for _ in range(20):
        attempts += [o for o in run_due_jobs() if o != "done"]
        with transaction() as db:  # the backoff, elapsed at once
            db.execute(update(Job).where(Job.state == "queued").values(run_after=utcnow()))
    convert = client.get(f"/api/v1/jobs?document_id={plan['id']}&per_page=100").json["items"]
    failed = [j for j in convert if j["kind"] == "convert"]
    assert len(failed) == 1 and failed[0]["state"] == "failed"
    assert failed[0]["attempts"] == failed[0]["max_attempts"]
    assert "TimeoutError" in failed[0]["last_error"]
    assert attempts.count("retry") == failed[0]["max_attempts"] - 1
    body = client.get(f"/api/v1/documents/{plan['id']}").json
    assert [f["format"] for f in body["files"]] == ["docx"]
    assert body["pdf_note"].startswith("Không tạo được bản PDF sau")
    sent = client.get(f"/api/v1/dispatches?document_id={plan['id']}").json
    assert sent["meta"]["total"] > 0  # the DOCX alone is mailed rather than nothing


HOSTILE = (
    "A & B < C > D \"quoted\" 'single' {{ 7*7 }} {% if true %}x{% endif %} "
    + unicodedata.normalize("NFD", "Nguyễn Thị Hương")
    + "\x00\x07\x1b end"
)


def test_hostile_campaign_data_renders_intact(client: FlaskClient, campaign_id: int) -> None:
    long_text = "Lạng Sơn " * 1200
    response = client.patch(
        f"/api/v1/campaigns/{campaign_id}",
        json={"introduction": HOSTILE, "method": long_text, "legal_bases": [HOSTILE]},
    )
    assert response.status_code == 200
    draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}).json
    assert run_due_jobs()
    text = docx_text(client.get(f"/api/v1/documents/{draft['id']}/files/docx").data)
    assert "A & B < C > D \"quoted\" 'single' {{ 7*7 }} {% if true %}x{% endif %}" in text
    assert "Nguyễn Thị Hương end" in text  # NFC, control characters dropped
    assert "49" not in text
    assert long_text.strip() in text


def test_template_replacement_is_checked_and_versioned(client: FlaskClient, ctx: None) -> None:
    def put(content: bytes) -> Any:
        return client.put(
            "/api/v1/templates/KH",
            data={"file": (io.BytesIO(content), "KH.docx")},
            content_type="multipart/form-data",
        )

    bad = put(b"not a docx")
    assert bad.status_code == 422 and "DOCX" in bad.json["detail"]["json"]["file"][0]

    original = committed_template("KH")
    unknown = put(_with_paragraph(original, "{{ nonexistent_field }} {{ other_one }}"))
    assert unknown.status_code == 422
    assert "nonexistent_field, other_one" in unknown.json["detail"]["json"]["file"][0]

    unsafe = put(_with_paragraph(original, "{{ cycler.__init__.__globals__ }}"))
    assert unsafe.status_code == 422 and "unsafe" in unsafe.json["detail"]["json"]["file"][0]

    good = put(_with_paragraph(original, "Ghi chú: {{ method }}"))
    assert good.status_code == 201 and good.json["version"] == 2
    versions = client.get("/api/v1/templates").json
    assert [(t["kind"], t["version"]) for t in versions] == [("KH", 1), ("KH", 2)]
    assert (
        client.put(
            "/api/v1/templates/XX",
            data={"file": (io.BytesIO(original), "x.docx")},
            content_type="multipart/form-data",
        ).status_code
        == 422
    )


def _with_paragraph(template: bytes, text: str) -> bytes:
    doc = Docx(io.BytesIO(template))
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_plan_of_the_demo_campaign_reproduces_the_seed(
    client: FlaskClient, campaign_id: int
) -> None:
    """The whole chain (seed loader → context → template) prints every line of the real plan."""
    from tests.test_templates import _seed_lines

    draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}).json
    run_due_jobs()
    text = " ".join(
        docx_text(client.get(f"/api/v1/documents/{draft['id']}/files/docx").data).split()
    )
    missing = [line for line in _seed_lines() if line not in text]
    assert missing == []


def test_a_draft_rendered_before_issue_is_replaced_by_the_issued_file(
    client: FlaskClient, campaign_id: int
) -> None:
    draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}).json
    run_due_jobs()
    client.post(f"/api/v1/documents/{draft['id']}/issue", json={"issue_date": "2023-04-05"})
    run_due_jobs()
    text = docx_text(client.get(f"/api/v1/documents/{draft['id']}/files/docx").data)
    assert "DỰ THẢO" not in text and "Số: 01/KH-SLĐTBXH" in text
