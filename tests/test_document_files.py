"""The files themselves (issue 15): a DOCX's properties say what the document is, its PDF carries
them too, is PDF/A-2b with every font embedded, in the font `/readyz` names."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import UTC, datetime, time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from docx import Document as Docx
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from service import health
from service.archive.index import stable_pdf
from service.commands import rendering
from service.database import transaction
from service.documents.contract import SAMPLE_CONTEXTS
from service.documents.libreoffice import (
    PREFERRED_FONT,
    SUBSTITUTE_FONT,
    libreoffice_available,
    pdf_font,
)
from service.documents.render import render_docx
from service.documents.store import committed_template, file_of, read_verified
from service.models import Campaign, Document, Organisation
from service.seed.load import load_demo
from tests.conftest import need
from tests.jobs_helper import run_due_jobs
from tests.test_document_format import demo
from workers.pdf.converter import PdfConverter, convert_cold
from workflows.docx_properties import APPLICATION, DocxProperties, with_properties
from workflows.vocabulary import JobKind

# What these check does not depend on the database: SQLite only (the demo is driven per test).
pytestmark = pytest.mark.sqlite_only

__all__ = ["demo"]  # fixture used here

_APP_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def _stored(document_ids: list[int], fmt: str) -> dict[int, bytes]:
    with transaction() as db:
        docs = [db.get(Document, i) for i in document_ids]
        return {d.id: read_verified(f) for d in docs if d and (f := file_of(d, fmt))}


def _app(docx: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        root = ElementTree.fromstring(package.read("docProps/app.xml"))
    return {child.tag.removeprefix(_APP_NS): child.text or "" for child in root}


def test_every_docx_says_what_it_is_who_issued_it_and_when(demo: list[Document]) -> None:
    outcomes = run_due_jobs(kind=JobKind.RENDER)
    assert outcomes and set(outcomes) == {"done"}
    files = _stored([d.id for d in demo], "docx")
    assert len(files) == len(demo) == 25
    with transaction() as db:
        campaign = db.get(Campaign, demo[0].campaign_id)
        issuer = db.get(Organisation, demo[0].issuer_id)
        assert campaign is not None and issuer is not None
        programme, issuer_name, campaign_title = campaign.programme, issuer.name, campaign.title
    assert issuer_name.startswith("Sở Lao động") and programme
    for doc in demo:
        docx = files[doc.id]
        core = Docx(io.BytesIO(docx)).core_properties
        assert doc.issue_date is not None and doc.number is not None
        assert core.title == doc.title
        kind_name = doc.context["doc_type"].capitalize()  # "Kế hoạch"
        assert doc.title.startswith(kind_name)
        assert core.subject == programme[:1].upper() + programme[1:]
        if doc.kind == "BB":  # minutes: the team, in its own name
            assert core.author.startswith("Đoàn kiểm tra") and campaign_title[-4:] in core.author
        else:
            assert core.author == issuer_name
        assert re.fullmatch(r"\d{2}/[A-ZĐ]+-[A-ZĐ]+", doc.reference), doc.reference
        assert core.identifier == core.keywords == doc.reference
        assert (core.category, core.content_status) == (kind_name, "Đã ban hành")
        issued = datetime.combine(doc.issue_date, time(), tzinfo=UTC)
        assert core.created == issued == core.modified
        app = _app(docx)
        assert app["Application"] == APPLICATION and app["Company"] == issuer_name
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            parts = [n for n in package.namelist() if n.startswith("docProps/")]
            assert not [n for n in parts if b"Microsoft" in package.read(n)], doc.kind
    # What is stored is the render and these properties, byte for byte: nothing of the clock.
    plan = demo[0]
    with transaction() as db:
        row = db.get(Document, plan.id)
        assert row is not None
        properties = rendering.properties_of(db, row)
    again = with_properties(render_docx(committed_template(plan.kind), plan.context), properties)
    assert again == files[plan.id]


def test_a_draft_is_dated_when_drafted_and_named_a_draft(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        with transaction() as db:
            campaign_id = load_demo(db).id
        draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"})
        assert draft.status_code == 201, draft.json
        run_due_jobs(kind=JobKind.RENDER)
        docx = client.get(f"/api/v1/documents/{draft.json['id']}/files/docx").data
        with transaction() as db:
            row = db.get(Document, draft.json["id"])
            assert row is not None
            code, created = row.code, row.created_at
    core = Docx(io.BytesIO(docx)).core_properties
    assert core.identifier == code == "KH-SLĐTBXH"
    assert core.keywords == code and core.content_status == "Dự thảo"
    assert core.created == created.replace(microsecond=0, tzinfo=UTC)


def _without_app_part(docx: bytes) -> bytes:
    """The package as a generator that writes no extended properties would leave it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            blob = source.read(member)
            if member.filename == "docProps/app.xml":
                continue
            if member.filename in ("[Content_Types].xml", "_rels/.rels"):
                blob = re.sub(rb"<[^<>]*docProps/app\.xml[^<>]*/>", b"", blob)
            target.writestr(member, blob)
    return out.getvalue()


def test_properties_are_added_where_the_package_has_none_and_stay_stable() -> None:
    properties = DocxProperties(
        title="Kế hoạch <kiểm tra> & \x01giám sát",
        subject="Công tác phòng, chống mại dâm năm 2023",
        creator="Sở Lao động - Thương binh và Xã hội",
        company="Sở Lao động - Thương binh và Xã hội",
        identifier="05/KH-SLĐTBXH",
        category="Kế hoạch",
        status="Đã ban hành",
        created=datetime(2023, 4, 5),
    )
    bare = _without_app_part(render_docx(committed_template("KH"), SAMPLE_CONTEXTS["KH"]))
    assert "docProps/app.xml" not in zipfile.ZipFile(io.BytesIO(bare)).namelist()
    filled = with_properties(bare, properties)
    assert with_properties(bare, properties) == filled
    assert _app(filled)["Application"] == APPLICATION
    core = Docx(io.BytesIO(filled)).core_properties  # the part is registered: Word opens it
    assert core.title == "Kế hoạch <kiểm tra> & giám sát"
    assert core.created == datetime(2023, 4, 5, tzinfo=UTC)
    assert with_properties(filled, properties) == filled  # applied twice: one app part, same bytes


def _fonts(pdf: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """Each font of the PDF as pdffonts lists it: (name, emb)."""
    path = tmp_path / "file.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [(line.split()[0], line.split()[-5]) for line in lines if line.strip()]


def _assert_archivable(pdf: bytes, docx: bytes, tmp_path: Path, label: str) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    core = Docx(io.BytesIO(docx)).core_properties
    info = reader.metadata
    assert info is not None, label
    assert (info.title, info.author, info.subject) == (core.title, core.author, core.subject)
    assert info.get("/Keywords") == core.keywords, label
    assert "/OutputIntents" in reader.trailer["/Root"], label
    xmp = reader.xmp_metadata
    assert xmp is not None, label
    text = xmp.stream.get_data().decode("utf-8")
    assert "<pdfaid:part>2</pdfaid:part>" in text and "<pdfaid:conformance>B" in text, label
    fonts = _fonts(pdf, tmp_path)
    assert fonts, label
    family = pdf_font().replace(" ", "")
    for name, embedded in fonts:
        assert embedded == "yes", (label, name)
        assert name.split("+")[-1].startswith(family), (label, name, family)


@pytest.mark.libreoffice
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pdfs_are_pdf_a_with_the_documents_properties_and_fonts_embedded(
    demo: list[Document], tmp_path: Path
) -> None:
    need(libreoffice_available() is not None, "LibreOffice (soffice) is not installed")
    need(libreoffice_available("pdffonts") is not None, "pdffonts (poppler-utils) is missing")
    run_due_jobs(kind=JobKind.RENDER)
    one_of_each = list({d.kind: d for d in demo}.values())
    assert [d.kind for d in one_of_each] == ["KH", "QD", "TB", "BB", "BC"]
    ids = [d.id for d in one_of_each]
    with PdfConverter() as warm:  # the workers' path
        for document_id in ids:
            rendering.convert(document_id, warm.convert)
    docx, pdfs = _stored(ids, "docx"), _stored(ids, "pdf")
    for doc in one_of_each:
        _assert_archivable(pdfs[doc.id], docx[doc.id], tmp_path, f"warm {doc.kind}")
    report = one_of_each[-1]  # the cold `soffice --convert-to` path sets the same options
    cold = convert_cold(docx[report.id])
    _assert_archivable(cold, docx[report.id], tmp_path, "cold BC")
    # The case file's index stays byte-stable: its conversion time, in the Info, the XMP and
    # the sRGB profile PDF/A embeds, is replaced; the file is still PDF/A and reads whole.
    moment = datetime(2023, 11, 20)
    stable = stable_pdf(cold, moment)
    assert stable == stable_pdf(convert_cold(docx[report.id]), moment)
    _assert_archivable(stable, docx[report.id], tmp_path, "stable BC")
    pages = len(PdfReader(io.BytesIO(cold)).pages)
    assert len(PdfReader(io.BytesIO(stable), strict=True).pages) == pages


def test_readyz_names_the_font_of_the_pdfs(client: FlaskClient) -> None:
    family = pdf_font()
    assert family in (PREFERRED_FONT, SUBSTITUTE_FONT)  # what .ci/system-packages installs
    check = client.get("/readyz").json["checks"]["pdf_font"]
    assert check["ok"] is True and check["detail"].startswith(family)


@pytest.mark.parametrize(
    ("found", "ok", "says"),
    [
        ("Times New Roman", True, "Times New Roman"),
        ("Liberation Serif", True, "ttf-mscorefonts-installer"),
        ("DejaVu Serif", False, "PDF dùng DejaVu Serif"),
        ("", False, "phông không xác định"),
    ],
)
def test_a_pdf_font_other_than_both_is_reported_without_failing_readiness(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, found: str, ok: bool, says: str
) -> None:
    monkeypatch.setattr(health, "pdf_font", lambda: found)
    monkeypatch.setattr(health, "CHECKS", {"pdf_font": health.CHECKS["pdf_font"]})
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json["status"] == "ok"
    check = response.json["checks"]["pdf_font"]
    assert check["ok"] is ok and says in check["detail"]
