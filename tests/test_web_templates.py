"""The register page's filters (year, series, campaign; pages; the export of what is shown) and
the templates page: versions and their DOCX, a replacement checked on upload with the unknown
names listed, its preview PDF made by a job, and accepting it as the next version."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from docx import Document as Docx
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service.commands import documents, registers
from service.commands import templates as template_commands
from service.database import transaction
from service.documents.libreoffice import libreoffice_available
from service.documents.store import committed_template
from service.models import Organisation, TemplateCandidate
from tests.auth_helper import SYSTEM
from tests.conftest import need
from tests.jobs_helper import run_due_jobs
from tests.test_web_support import Accounts, accounts, campaign_id, csrf_token, sign_in
from workflows.vocabulary import JobKind

__all__ = ["accounts", "campaign_id"]  # fixtures used here


def _client(app: Flask, accounts: Accounts, role: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, *accounts[role]).status_code == 303
    return client


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _lines(html: str) -> str:
    """The register's lines as the page shows them (not the numbers recorded by hand)."""
    return html.split("data-register-rows", 1)[1].split("</table>", 1)[0]


def _csv_references(content: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return [row[1] for row in rows[1:]]


def _with_paragraph(template: bytes, text: str) -> bytes:
    doc = Docx(io.BytesIO(template))
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- the register


def _issued_plan_and_entries(app: Flask, campaign_id: int, entries: int) -> tuple[int, str]:
    """The demo plan issued, and `entries` numbers recorded by hand after it: (issuer, its ref)."""
    with app.app_context(), transaction() as db:
        org = db.scalar(select(Organisation).where(Organisation.code == "SLĐTBXH"))
        assert org is not None
        draft = documents.draft(db, SYSTEM, campaign_id, "KH")
        reference = documents.issue(db, SYSTEM, draft.id, date(2023, 4, 5)).reference
        for number in range(100, 100 + entries):
            registers.record_entry(
                db,
                SYSTEM,
                {
                    "organisation_id": org.id,
                    "series": "shared",
                    "number": number,
                    "code": "CV-SLĐTBXH",
                    "issue_date": date(2023, 6, 1),
                    "title": f"Công văn số {number}",
                },
            )
        return org.id, reference


def test_register_page_filters_pages_and_exports_what_it_shows(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    org, plan = _issued_plan_and_entries(app, campaign_id, 55)
    clerk = _client(app, accounts, "clerk")
    base = f"/registers?organisation_id={org}&year=2023"

    html = _text(clerk.get(base))
    assert plan in _lines(html) and "100/CV-SLĐTBXH" in _lines(html)
    assert "Trang 1/2 · 1–50 trong 56 số" in html and "153/CV-SLĐTBXH" not in _lines(html)
    second = _text(clerk.get(f"{base}&page=2"))
    assert "153/CV-SLĐTBXH" in _lines(second) and plan not in _lines(second)
    assert "← Trang trước" in second

    narrowed = _text(clerk.get(f"{base}&campaign_id={campaign_id}"))
    assert plan in _lines(narrowed) and "100/CV-SLĐTBXH" not in _lines(narrowed)
    assert f"campaign_id={campaign_id}" in narrowed  # kept in the export links
    exported = clerk.get(
        f"/registers/export.csv?organisation_id={org}&year=2023&campaign_id={campaign_id}"
    )
    assert exported.status_code == 200 and _csv_references(exported.data) == [plan]

    team = clerk.get(f"/registers/export.csv?organisation_id={org}&year=2023&series=team")
    assert _csv_references(team.data) == []
    everything = clerk.get(f"/registers/export.csv?organisation_id={org}&year=2023&series=shared")
    assert len(_csv_references(everything.data)) == 56

    wrong = clerk.get(f"{base}&series=nope&campaign_id=999999")
    assert wrong.status_code == 200
    shown = _text(wrong)
    assert "Không có sổ này" in shown and "Cơ quan không có kế hoạch kiểm tra này" in shown
    assert "Chưa có số nào" in _text(clerk.get(f"/registers?organisation_id={org}&year=2031"))


# --------------------------------------------------------------------------- the templates


def _upload(client: FlaskClient, kind: str, content: bytes) -> Any:
    token = csrf_token(_text(client.get("/templates")))
    return client.post(
        f"/templates/{kind}/candidate",
        data={"csrf_token": token, "file": (io.BytesIO(content), f"{kind}.docx")},
        content_type="multipart/form-data",
    )


def _post(client: FlaskClient, path: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(_text(client.get("/templates")))})


def test_templates_page_checks_previews_and_accepts_a_replacement(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    admin = _client(app, accounts, "admin")
    page = _text(admin.get("/templates"))
    assert page.count("data-template-kind=") == 5 and "Mẫu văn bản" in page
    original = admin.get("/templates/file.docx?kind=KH&version=1")
    assert original.status_code == 200 and original.data == committed_template("KH")
    assert admin.get("/templates/file.docx?kind=KH&version=2").status_code == 404

    bad = _upload(admin, "KH", b"not a docx")
    assert bad.status_code == 422 and "DOCX" in _text(bad)
    unknown = _upload(admin, "KH", _with_paragraph(original.data, "{{ zeta_field }} {{ alpha }}"))
    assert unknown.status_code == 422
    listed = _text(unknown).split("data-unknown-names", 1)[1]
    assert "<code>alpha</code>" in listed and "<code>zeta_field</code>" in listed

    replacement = _with_paragraph(original.data, "Ghi chú mẫu mới: {{ method }}")
    kept = _upload(admin, "KH", replacement)
    assert kept.status_code == 303
    waiting = _text(admin.get("/templates"))
    assert 'http-equiv="refresh"' in waiting and "data-template-progress" in waiting
    assert admin.get("/templates/candidate.pdf?kind=KH").status_code == 404  # not made yet
    assert admin.get("/templates/candidate.docx?kind=KH").data == replacement
    assert admin.get("/api/v1/templates").json == []  # nothing in use changed

    need(libreoffice_available() is not None, "LibreOffice (soffice) is not installed")
    with app.app_context():
        assert run_due_jobs(kind=JobKind.PREVIEW) == ["done"]
    ready = _text(admin.get("/templates"))
    assert "data-template-preview" in ready and 'http-equiv="refresh"' not in ready
    preview = admin.get("/templates/candidate.pdf?kind=KH")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    assert preview.headers["Content-Disposition"].startswith("inline")

    accepted = _post(admin, "/templates/KH/accept")
    assert accepted.status_code == 303
    after = _text(admin.get(accepted.headers["Location"]))
    assert "Đã dùng mẫu KH phiên bản 2" in after and "data-template-candidate" not in after
    assert admin.get("/templates/file.docx?kind=KH&version=2").data == replacement
    assert admin.get("/templates/file.docx?kind=KH").data == replacement  # the one in use
    versions: list[dict[str, Any]] = admin.get("/api/v1/templates").json
    assert [(t["kind"], t["version"]) for t in versions] == [("KH", 1), ("KH", 2)]
    assert _post(admin, "/templates/KH/accept").status_code == 303  # nothing left: flashed
    assert "Chưa có mẫu nào được tải lên chờ chấp nhận" in _text(admin.get("/templates"))


def test_a_candidate_without_libreoffice_or_discarded(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    admin = _client(app, accounts, "admin")
    replacement = _with_paragraph(committed_template("TB"), "Mẫu thử")
    assert _upload(admin, "TB", replacement).status_code == 303
    with app.app_context(), transaction() as db:
        candidate = db.scalar(select(TemplateCandidate).where(TemplateCandidate.kind == "TB"))
        assert candidate is not None
        candidate_id = candidate.id
    with app.app_context():
        template_commands.preview(candidate_id, None, 30)
    page = _text(admin.get("/templates"))
    assert template_commands.NO_LIBREOFFICE in page and 'http-equiv="refresh"' not in page

    again = _with_paragraph(committed_template("TB"), "Mẫu thử lần hai")
    assert _upload(admin, "TB", again).status_code == 303  # takes the earlier one's place
    assert admin.get("/templates/candidate.docx?kind=TB").data == again
    assert _post(admin, "/templates/TB/discard").status_code == 303
    page = _text(admin.get("/templates"))
    assert "Đã bỏ mẫu TB chờ chấp nhận" in page and "data-template-candidate" not in page
    with app.app_context():
        assert run_due_jobs(kind=JobKind.PREVIEW) == ["done", "done"]  # nothing left to preview


def test_who_sees_and_who_replaces_templates(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    staff = _client(app, accounts, "staff")
    page = _text(staff.get("/templates"))
    assert "data-template-kind" in page and "data-template-upload" not in page
    assert 'href="/templates"' in page  # the nav entry
    refused = _upload(staff, "KH", committed_template("KH"))
    assert refused.status_code == 403
    assert _post(staff, "/templates/KH/accept").status_code == 403
    district = _client(app, accounts, "district")
    assert district.get("/templates").status_code == 403
    assert 'href="/templates"' not in _text(district.get("/"))
    admin = _client(app, accounts, "admin")
    assert _upload(admin, "XX", committed_template("KH")).status_code == 404
    assert admin.get("/templates/candidate.exe?kind=KH").status_code == 404
