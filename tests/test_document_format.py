"""The demo campaign's documents as a văn thư reads them (issue 15): each point, on the DOCX and
on the PDF, so that none comes back."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pytest
from docx import Document as Docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from service.database import transaction
from service.demo import drive_campaign
from service.documents.libreoffice import libreoffice_available
from service.documents.render import render_docx
from service.documents.store import committed_template
from service.models import Campaign, Document
from service.seed.load import load_demo
from tests.conftest import need
from workers.pdf.converter import convert_cold
from workflows.findings import NOTHING_RECORDED

# What these check does not depend on the database: SQLite only (the demo is driven per test).
pytestmark = pytest.mark.sqlite_only

TEXT_WIDTH = Mm(210 - 30 - 15)  # A4 less the left and right margins of Nghị định 30
STYLES = {"VbBody", "VbHeading", "VbTitle", "VbRecipientsHeading", "VbRecipients", "VbSignature"}


def driven_demo(prepare: Callable[[Campaign], None] | None = None) -> list[Document]:
    """Every document of a freshly driven demo campaign (`prepare`d first), in issue order;
    inside an application context."""
    with transaction() as db:
        campaign = load_demo(db, new_campaign=True)
        if prepare is not None:
            prepare(campaign)
        campaign_id = campaign.id
    drive_campaign(campaign_id)
    with transaction() as db:
        query = select(Document).where(Document.campaign_id == campaign_id)
        docs = list(db.scalars(query.order_by(Document.id)))
        db.expunge_all()
    return docs


@pytest.fixture
def demo(app: Flask) -> Iterator[list[Document]]:
    """Every document of a freshly driven demo campaign, in issue order."""
    with app.app_context():
        yield driven_demo()


def _docx(doc: Document) -> DocxDocument:
    return Docx(io.BytesIO(render_docx(committed_template(doc.kind), doc.context)))


def _text(docx: DocxDocument) -> str:
    return " ".join(" ".join(t.text or "" for t in docx.element.body.iter(qn("w:t"))).split())


def _paragraph_texts(docx: DocxDocument) -> list[str]:
    return [
        "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in docx.element.body.iter(qn("w:p"))
    ]


def _one(docs: list[Document], kind: str) -> Document:
    return next(d for d in docs if d.kind == kind)


def test_every_document_is_styled_and_keeps_its_end_together(demo: list[Document]) -> None:
    assert len(demo) == 25
    for doc in demo:
        docx = _docx(doc)
        used = {p.style.style_id for p in docx.paragraphs if p.style is not None}
        assert {"VbBody", "VbTitle"} <= used, doc.kind
        assert {s.style_id for s in docx.styles} >= STYLES, doc.kind
        # The last body paragraph before the signature block keeps with it, whole.
        body = docx.element.body
        signature = [t for t in body.iter(qn("w:tbl")) if "Nơi nhận" in _text_of(t)]
        signature = signature or [list(body.iter(qn("w:tbl")))[-1]]
        before = signature[-1].getprevious()
        while before is not None and before.tag != qn("w:p"):
            before = before.getprevious()
        assert before is not None
        style = docx.styles.get_by_id(before.style, 1) if before.style else None
        keep = before.pPr is not None and before.pPr.find(qn("w:keepNext")) is not None
        keep = keep or bool(style and style.paragraph_format.keep_with_next)
        assert keep, (doc.kind, "".join(before.itertext()))
        for row in signature[-1].iter(qn("w:tr")):
            if "{%" not in _text_of(row):
                assert row.find(qn("w:trPr") + "/" + qn("w:cantSplit")) is not None
        # Title lines: never "năm 2023" alone.
        assert not [
            line for line in doc.context["subject_lines"] if re.fullmatch(r"năm \d{4}", line)
        ]


def _text_of(element: object) -> str:
    return "".join(element.itertext())  # type: ignore[attr-defined]


def test_decision_cites_competence_and_leaves_offices_to_article_3(demo: list[Document]) -> None:
    decision = _one(demo, "QD")
    text = _text(_docx(decision))
    assert "GIÁM ĐỐC SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI" in text
    bases = decision.context["legal_bases"]
    assert len(bases) >= 2 and all(b.startswith("Căn cứ") and b.endswith(";") for b in bases)
    assert "chức năng, nhiệm vụ" in bases[0]
    assert decision.context["proposal"].startswith("Xét đề nghị")
    recipients = decision.context["recipients"]
    assert recipients[0] == "- Như Điều 3;"
    assert not [line for line in recipients if "huyện" in line or "thành phố" in line]


def test_notice_addresses_each_party_and_names_the_chosen_kind(demo: list[Document]) -> None:
    notices = [d for d in demo if d.kind == "TB"]
    city = notices[0]
    lines = city.context["addressees"]
    assert len(lines) >= 2
    assert all(line.startswith("- ") for line in lines)
    assert all(line.endswith(";") for line in lines[:-1]) and lines[-1].endswith(".")
    docx = _docx(city)
    for paragraph in docx.paragraphs:
        if paragraph.text in lines:
            style = paragraph.style
            assert style is not None
            alignment = paragraph.paragraph_format.alignment or style.paragraph_format.alignment
            assert alignment == WD_ALIGN_PARAGRAPH.LEFT, paragraph.text  # not justified
    assert all(item.startswith("- ") for item in city.context["preparation"])
    assert city.context["sub_unit_heading"] == "Ban Chỉ đạo 138 phường được chọn"
    assert notices[1].context["sub_unit_heading"] == "Ban Chỉ đạo 138 thị trấn được chọn"


def test_minutes_name_both_parties_cite_decision_and_plan_and_list_every_area(
    demo: list[Document],
) -> None:
    minutes = _one(demo, "BB")
    context = minutes.context
    docx = _docx(minutes)
    text = _text(docx)
    assert re.search(r"Quyết định số \d\d/QĐ-SLĐTBXH ngày", context["opening"])
    assert re.search(r"Kế hoạch số \d\d/KH-SLĐTBXH ngày", context["opening"])
    assert "Hoàng Văn Minh" in " ".join(context["unit_attendees"])
    assert any("phường Chi Lăng" in line for line in context["unit_attendees"])
    assert [f["number"] for f in context["findings"]] == [1, 2, 3, 4, 5]
    assert context["findings"][1]["text"] == NOTHING_RECORDED
    for finding in context["findings"]:
        assert f"{finding['number']}. {finding['title']}" in _paragraph_texts(docx)
    assert "Ban Chỉ đạo 138 phường Chi Lăng" in [p["unit"] for p in context["signatures"]["more"]]
    assert text.endswith("- Lưu: VT, Hồ sơ.") and "Nơi nhận:" in text
    table = next(t for t in docx.tables if "TRƯỞNG ĐOÀN KIỂM TRA" in t._tbl.xml)
    assert table.columns[0].width is not None and table.columns[0].width >= Mm(90)


def test_report_table_fits_and_totals(demo: list[Document]) -> None:
    report = _one(demo, "BC")
    docx = _docx(report)
    districts = docx.tables[2]
    grid = districts._tbl.tblGrid.findall(qn("w:gridCol"))
    assert sum(int(c.get(qn("w:w"))) for c in grid) * 635 <= TEXT_WIDTH  # twips to EMU
    names = [row.cells[0].text for row in districts.rows[1:]]
    assert names[-1] == "Tổng cộng"
    assert all(name[:1].isupper() for name in names)


def test_pdfs_end_with_body_text_beside_the_signature(demo: list[Document]) -> None:
    need(libreoffice_available() is not None, "LibreOffice (soffice) is not installed")
    for kind in ("KH", "QD", "TB", "BB", "BC"):
        doc = _one(demo, kind)
        pdf = PdfReader(
            io.BytesIO(convert_cold(render_docx(committed_template(kind), doc.context)))
        )
        last = " ".join((pdf.pages[-1].extract_text() or "").split())
        name = (
            doc.context["signatures"]["right"]["name"]
            if kind == "BB"
            else doc.context["signer"]["name"]
        )
        assert name in last, kind
        body = {
            "KH": "để được giải đáp",
            "QD": "chịu trách nhiệm thi hành",
            "TB": "số điện thoại",
            "BB": "Biên bản kết thúc",
            "BC": "kiến nghị",
        }[kind]
        assert body in last, (kind, last[:200])
        assert "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA" in last or kind != "BB"
