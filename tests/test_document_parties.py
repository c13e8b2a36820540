"""Who a document names (issue 15): the legal basis of the issuer's competence in the decision,
the commune committee's representative among the minutes' attendees and signatures, the
minutes' captions bold on one line, and no word printed twice where a prefix meets a name."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from docx import Document as Docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import create_engine, inspect

from service import migrate
from service.database import transaction
from service.documents import context, screenshots
from service.documents.libreoffice import libreoffice_available
from service.documents.render import render_docx
from service.documents.store import committed_template
from service.models import Campaign, Document, Organisation, Target, Visit
from tests.conftest import need
from tests.test_document_format import driven_demo
from workers.pdf.converter import convert_cold
from workflows import titles

# Illustrative, not Lạng Sơn's real decision: what an administrator records for the issuer.
COMPETENCE = (
    "Quyết định số 99/2099/QĐ-UBND ngày 01/01/2099 của Ủy ban nhân dân tỉnh quy định chức "
    "năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Lao động - Thương binh và Xã hội.\n"
    "căn cứ Quyết định số 98/QĐ-SLĐTBXH ngày 02/01/2099 về phân công nhiệm vụ Lãnh đạo Sở"
)

CAPTIONS = ("ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA", "TRƯỞNG ĐOÀN KIỂM TRA")


@pytest.fixture
def demo(app: Flask) -> Iterator[list[Document]]:
    """Every document of the demo campaign driven through, its issuer's competence recorded."""

    def record_competence(campaign: Campaign) -> None:
        campaign.issuer.competence_basis = COMPETENCE

    with app.app_context():
        yield driven_demo(record_competence)


def _docx(doc: Document) -> DocxDocument:
    return Docx(io.BytesIO(render_docx(committed_template(doc.kind), doc.context)))


def _paragraphs(docx: DocxDocument) -> list[str]:
    return [
        "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in docx.element.body.iter(qn("w:p"))
    ]


def _minutes(docs: list[Document]) -> Document:
    return next(d for d in docs if d.kind == "BB")


# --------------------------------------------------------------------------- plain rules


@pytest.mark.parametrize(
    ("position", "unit", "expected"),
    [
        (
            "Trưởng ban",
            "Ban Chỉ đạo 138 phường Chi Lăng",
            "Trưởng ban Chỉ đạo 138 phường Chi Lăng",
        ),
        (
            "Phó Trưởng Ban Chỉ đạo 138",
            "Ban Chỉ đạo 138 phường Chi Lăng",
            "Phó Trưởng Ban Chỉ đạo 138 phường Chi Lăng",
        ),
        (
            "Trưởng phòng",
            "Phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới",
            "Trưởng phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới",
        ),
        (
            "Chuyên viên",
            "Phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới",
            "Chuyên viên Phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới",
        ),
        (
            "Trưởng phòng",
            "Phòng Lao động - Thương binh và Xã hội thành phố Lạng Sơn",
            "Trưởng phòng Lao động - Thương binh và Xã hội thành phố Lạng Sơn",
        ),
        (
            "Chủ tịch UBND thị trấn Đồng Đăng",
            "thị trấn Đồng Đăng",
            "Chủ tịch UBND thị trấn Đồng Đăng",
        ),
        ("", "Ban Chỉ đạo 138 phường Chi Lăng", "Ban Chỉ đạo 138 phường Chi Lăng"),
        ("Trưởng ban", "", "Trưởng ban"),
    ],
)
def test_a_position_in_a_unit_prints_no_word_twice(position: str, unit: str, expected: str) -> None:
    assert titles.position_at(position, unit) == expected


def test_the_recorded_competence_basis_replaces_the_generic_line() -> None:
    issuer = "Sở Lao động - Thương binh và Xã hội"
    assert titles.competence_bases("", issuer) == [titles.competence_basis(issuer)]
    assert titles.competence_bases(" \n ", issuer) == [titles.competence_basis(issuer)]
    bases = titles.competence_bases(COMPETENCE, issuer)
    assert len(bases) == 2
    assert bases[0].startswith("Căn cứ Quyết định số 99/2099/QĐ-UBND")
    assert bases[1].startswith("Căn cứ Quyết định số 98/QĐ-SLĐTBXH")  # "căn cứ" as typed


def _visit(attendees: list[str], name: str, position: str, commune: str | None) -> Visit:
    office = Organisation(kind="district_office", name="Phòng Lao động huyện Cao Lộc")
    sub = Organisation(kind="commune_committee", name=commune) if commune else None
    target = Target(office=office, commune=sub)
    return Visit(
        target=target,
        scheduled_start=datetime(2023, 9, 5, 8),
        scheduled_end=datetime(2023, 9, 5, 11),
        unit_attendees=attendees,
        commune_representative=name,
        commune_representative_position=position,
    )


def test_the_commune_representative_is_listed_once_by_name_and_position() -> None:
    commune = "Ban Chỉ đạo 138 thị trấn Đồng Đăng"
    listed = ["Ông Lăng Văn Chiến, Trưởng phòng", "Bà Chu Thị Mai, công chức"]
    visit = _visit(listed, "Triệu Văn Bình", "Trưởng ban", commune)
    assert context.unit_attendees(visit) == [
        "- Ông Lăng Văn Chiến, Trưởng phòng;",
        "- Bà Chu Thị Mai, công chức;",
        "- Triệu Văn Bình, Trưởng ban Chỉ đạo 138 thị trấn Đồng Đăng.",
    ]
    # Staff who listed them already (with "Ông") are not contradicted by a second line.
    listed = [*listed, "Ông Triệu Văn Bình, Trưởng ban Chỉ đạo 138 thị trấn Đồng Đăng"]
    visit = _visit(listed, "Triệu  Văn Bình", "Trưởng ban", commune)
    lines = context.unit_attendees(visit)
    assert len(lines) == 3 and sum("Triệu Văn Bình" in line for line in lines) == 1
    # No commune inspected, or no name: nothing added.
    assert len(context.unit_attendees(_visit(listed[:2], "Triệu Văn Bình", "", None))) == 2
    assert len(context.unit_attendees(_visit(listed[:2], "", "Trưởng ban", commune))) == 2


# --------------------------------------------------------------------------- the demo's documents


@pytest.mark.sqlite_only  # the documents' text, whatever the database
def test_decision_cites_the_issuers_recorded_competence_first(demo: list[Document]) -> None:
    decision = next(d for d in demo if d.kind == "QD")
    bases = decision.context["legal_bases"]
    assert bases[0].startswith("Căn cứ Quyết định số 99/2099/QĐ-UBND") and bases[0].endswith(";")
    assert bases[1].startswith("Căn cứ Quyết định số 98/QĐ-SLĐTBXH") and bases[1].endswith(";")
    assert not [b for b in bases if b.startswith("Căn cứ chức năng, nhiệm vụ")]
    assert all(b.endswith(";") for b in bases)
    assert bases[0] in _paragraphs(_docx(decision))


def _bold(docx: DocxDocument, paragraph: Paragraph) -> bool:
    runs = [r for r in paragraph.runs if r.text.strip()]
    style = paragraph.style
    by_style = False
    while style is not None and not by_style:
        by_style = bool(style.font.bold)
        style = style.base_style
    return bool(runs) and all(r.bold or (r.bold is None and by_style) for r in runs)


@pytest.mark.sqlite_only  # the documents' text, whatever the database
def test_minutes_name_and_have_signed_the_commune_committee(demo: list[Document]) -> None:
    minutes = _minutes(demo)
    sub_unit = minutes.context["signatures"]["more"]
    assert [(p["unit"], p["position"], p["name"]) for p in sub_unit] == [
        ("Ban Chỉ đạo 138 phường Chi Lăng", "Trưởng ban", "Hà Văn Tùng")
    ]
    attendees = minutes.context["unit_attendees"]
    assert [line for line in attendees if "Hà Văn Tùng" in line] == [
        "- Ông Hà Văn Tùng, Trưởng ban Chỉ đạo 138 phường Chi Lăng."
    ]
    docx = _docx(minutes)
    table = next(t for t in docx.tables if "TRƯỞNG ĐOÀN KIỂM TRA" in t._tbl.xml)
    cells = [c for row in table.rows for c in row.cells]
    signed = [c for c in cells if "Ban Chỉ đạo 138 phường Chi Lăng" in c.text]
    assert signed and "Hà Văn Tùng" in signed[0].text and "Trưởng ban" in signed[0].text
    # Captions and names bold, each caption whole on one paragraph.
    captions = [p for c in cells for p in c.paragraphs if p.text.strip() in CAPTIONS]
    assert len(captions) == 3
    assert all(_bold(docx, p) for p in captions)
    names = [
        p for c in cells for p in c.paragraphs if p.text in ("Hà Văn Tùng", "Nguyễn Văn Giang")
    ]
    assert len(names) == 2 and all(_bold(docx, p) for p in names)


@pytest.mark.sqlite_only  # the documents' text, whatever the database
def test_minutes_captions_do_not_wrap_in_the_pdf(demo: list[Document]) -> None:
    need(libreoffice_available() is not None, "LibreOffice (soffice) is not installed")
    minutes = _minutes(demo)
    pdf = PdfReader(
        io.BytesIO(convert_cold(render_docx(committed_template("BB"), minutes.context)))
    )
    lines = [" ".join(line.split()) for line in (pdf.pages[-1].extract_text() or "").splitlines()]
    assert sum("ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA" in line for line in lines) == 2, lines
    assert "Hà Văn Tùng" in lines


# The seed's own names that repeat a word rightly: the office "Phòng Phòng, chống…" and "một số
# số liệu" (some figures); each is masked so that a prefix doubled before it still shows.
RIGHTLY_REPEATED = (("Phòng, chống tệ nạn", "PCTNXH"), ("một số số liệu", "một số liệu"))
DOUBLED = re.compile(r"(?<!\w)(\w+) \1(?!\w)", re.IGNORECASE)
SYNONYMS = re.compile(r"UBND Ủy ban|Ủy ban nhân dân UBND|\bSở Sở\b|\bBan Ban\b", re.IGNORECASE)


@pytest.mark.sqlite_only  # the documents' text, whatever the database
def test_no_document_prints_a_word_twice(demo: list[Document]) -> None:
    found = []
    for doc in demo:
        for text in _paragraphs(_docx(doc)):
            masked = " ".join(text.split())
            for phrase, mask in RIGHTLY_REPEATED:
                masked = masked.replace(phrase, mask)
            found += [(doc.reference, m.group(0)) for m in DOUBLED.finditer(masked)]
            found += [(doc.reference, m.group(0)) for m in SYNONYMS.finditer(masked)]
    assert found == []


def test_the_masks_still_find_a_doubled_prefix() -> None:
    """The check above can fail: the old proposal line is caught."""
    text = "Xét đề nghị của Trưởng phòng Phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới."
    for phrase, mask in RIGHTLY_REPEATED:
        text = text.replace(phrase, mask)
    assert DOUBLED.search(text)


def test_api_keeps_the_competence_basis_and_the_commune_representative(
    demo: list[Document], client: FlaskClient
) -> None:
    minutes = _minutes(demo)
    issuer = client.get("/api/v1/organisations?per_page=100").json["items"]
    department = next(o for o in issuer if o["competence_basis"] == COMPETENCE)
    answer = client.patch(
        f"/api/v1/organisations/{department['id']}", json={"competence_basis": "x" * 2001}
    )
    assert answer.status_code == 422
    answer = client.patch(
        f"/api/v1/organisations/{department['id']}", json={"competence_basis": ""}
    )
    assert answer.status_code == 200 and answer.json["competence_basis"] == ""
    visit = client.get(f"/api/v1/visits/{minutes.visit_id}").json
    assert visit["commune_representative"] == "Hà Văn Tùng"
    body = {"commune_representative": "Chu Thị Nga", "commune_representative_position": "Phó ban"}
    answer = client.post(f"/api/v1/visits/{minutes.visit_id}/result", json=body)
    assert answer.status_code == 200, answer.json
    assert answer.json["commune_representative_position"] == "Phó ban"
    answer = client.post(
        f"/api/v1/visits/{minutes.visit_id}/result", json={"commune_representative": "x" * 201}
    )
    assert answer.status_code == 422
    with transaction() as db:
        visit_row = db.get(Visit, minutes.visit_id)
        assert visit_row is not None and visit_row.commune_representative == "Chu Thị Nga"
        campaign = db.get(Campaign, minutes.campaign_id)
        assert campaign is not None and campaign.issuer.competence_basis == ""


def test_migration_adds_and_removes_the_columns(database_url: str) -> None:
    config = migrate.alembic_config(database_url)

    def columns() -> set[tuple[str, str]]:
        engine = create_engine(database_url)
        try:
            found = inspect(engine)
            return {
                (table, c["name"])
                for table in ("organisations", "visits")
                for c in found.get_columns(table)
            }
        finally:
            engine.dispose()

    added = {
        ("organisations", "competence_basis"),
        ("visits", "commune_representative"),
        ("visits", "commune_representative_position"),
    }
    assert added <= columns()
    command.downgrade(config, "9e4b7c2d8a13")
    assert not added & columns()
    command.upgrade(config, "head")
    assert added <= columns()


def test_screenshots_take_the_first_document_of_each_kind(tmp_path: Path) -> None:
    """`make documents` pictures one document a kind, in filing order, from `vanthu demo`'s
    listing; a kind missing or without a PDF is an error that names it."""
    rows = [
        ("01/KH-X", "KH", "Kế hoạch"),
        ("02/QĐ-X", "QD", "Quyết định"),
        ("03/TB-X", "TB", "Thông báo 1"),
        ("04/TB-X", "TB", "Thông báo 2"),
        ("01/BB-ĐKT", "BB", "Biên bản"),
        ("05/BC-X", "BC", "Báo cáo"),
    ]
    listing = "\n".join(
        "\t".join([ref, kind, title, f"{i}.docx", f"{i}.pdf", "0" * 64])
        for i, (ref, kind, title) in enumerate(rows)
    )
    found = screenshots.samples(f"Thư điện tử: 9 thư\n{listing}\n25 văn bản", tmp_path)
    assert [(s.kind, s.reference, s.pdf.name) for s in found] == [
        ("KH", "01/KH-X", "0.pdf"),
        ("QD", "02/QĐ-X", "1.pdf"),
        ("TB", "03/TB-X", "2.pdf"),
        ("BB", "01/BB-ĐKT", "4.pdf"),
        ("BC", "05/BC-X", "5.pdf"),
    ]
    assert found[1].pictures() == ("QD-1.png", "QD-last.png")
    with pytest.raises(screenshots.ScreenshotsFailed, match="BC"):
        screenshots.samples(listing.rsplit("\n", 1)[0], tmp_path)
    with pytest.raises(screenshots.ScreenshotsFailed, match="01/KH-X"):
        screenshots.samples(listing.replace("0.pdf", "-"), tmp_path)
