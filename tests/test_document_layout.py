"""What a văn thư still found on the demo's PDFs (issue 15): the report's district table, the
minutes' signatures and team, the notice's last page, the decision's run-in values."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

import pytest
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from service.documents.libreoffice import libreoffice_available
from service.documents.render import render_docx
from service.documents.store import committed_template
from service.models import Document
from tests.conftest import need
from tests.test_document_format import TEXT_WIDTH, _docx, _one, _text, demo
from workers.pdf.converter import convert_cold
from workflows import titles

# What these check does not depend on the database: SQLite only (the demo is driven per test).
pytestmark = pytest.mark.sqlite_only

__all__ = ["demo"]  # fixture used here

TWIPS = 635  # EMU a twip


@dataclass(frozen=True)
class Word:
    page: int
    x: float
    y: float
    bottom: float
    text: str


def _pdf_words(doc: Document) -> list[Word]:
    """Every word of the document's PDF with its position (pdftotext -bbox), NFC."""
    need(libreoffice_available() is not None, "LibreOffice (soffice) is not installed")
    pdftotext = shutil.which("pdftotext")
    need(pdftotext is not None, "pdftotext (poppler-utils) is missing")
    assert pdftotext is not None
    pdf = convert_cold(render_docx(committed_template(doc.kind), doc.context))
    found = subprocess.run(
        [pdftotext, "-bbox", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")
    words = []
    for page, xml in enumerate(found.split("<page ")[1:], start=1):
        for x, y, bottom, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
            xml,
        ):
            words.append(Word(page, float(x), float(y), float(bottom), _nfc(text)))
    return words


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("&amp;", "&"))


def _find(words: list[Word], phrase: str, page: int | None = None) -> Word:
    """The first word of `phrase` where the PDF prints its words in a row."""
    wanted = phrase.split()
    for i in range(len(words) - len(wanted) + 1):
        run = words[i : i + len(wanted)]
        if [w.text for w in run] == wanted and page in (None, run[0].page):
            return run[0]
    raise AssertionError(f"{phrase!r} not in the PDF")


def _district_table(docx: object) -> Table:
    return next(t for t in docx.tables if t.rows[0].cells[0].text == "Huyện, thành phố")  # type: ignore[attr-defined]


def _run_bold(paragraph: Paragraph) -> list[bool]:
    return [bool(r.bold) for r in paragraph.runs if r.text.strip()]


# --------------------------------------------------------------------------- report (BC)


def test_report_district_table_stays_inside_the_margins_and_bolds_the_totals(
    demo: list[Document],
) -> None:
    report = _one(demo, "BC")
    table = _district_table(_docx(report))
    tbl = table._tbl
    indent = tbl.tblPr.find(qn("w:tblInd"))
    margin = tbl.tblPr.find(qn("w:tblCellMar") + "/" + qn("w:left"))
    indent_twips = int(indent.get(qn("w:w"))) if indent is not None else 0
    margin_twips = int(margin.get(qn("w:w"))) if margin is not None else 108
    # Word 2010 layout puts the left border a cell margin left of the indent: on the margin.
    assert indent_twips >= margin_twips
    widths = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(widths) == 1 + len(report.context["statistics_short_labels"])
    assert (indent_twips - margin_twips + sum(widths)) * TWIPS <= TEXT_WIDTH
    # Short labels in the header; district names upper-first; "Tổng cộng" last, bold.
    assert [c.text for c in table.rows[0].cells][1:] == report.context["statistics_short_labels"]
    rows = table.rows[1:]
    names = [row.cells[0].text for row in rows]
    assert all(name[:1].isupper() for name in names)
    assert names[-1] == "Tổng cộng"
    for row in rows:
        total = row is rows[-1]
        for cell in row.cells:
            (paragraph,) = cell.paragraphs
            assert _run_bold(paragraph) == [total], (names[rows.index(row)], cell.text)


def test_report_header_words_never_break(demo: list[Document]) -> None:
    """Each header cell wraps between words only: no piece of a header word stands alone in
    the PDF (the old table printed "Ngườ/i bán dâm", "HĐL/Đ", "KDD/V")."""
    report = _one(demo, "BC")
    words = _pdf_words(report)
    printed = {w.text for w in words}
    written = set(_text(_docx(report)).split())
    for label in report.context["statistics_short_labels"]:
        for word in label.split():
            assert word in printed, word
            pieces = {word[:k] for k in range(1, len(word))} | {
                word[k:] for k in range(1, len(word))
            }
            broken = (pieces & printed) - written
            assert not broken, (label, sorted(broken))
    assert _find(words, "Tổng cộng")  # the totals row, whole


# --------------------------------------------------------------------------- minutes (BB)


def test_minutes_signers_names_share_a_line(demo: list[Document]) -> None:
    minutes = _one(demo, "BB")
    signatures = minutes.context["signatures"]
    left, right = signatures["left"]["name"], signatures["right"]["name"]
    assert left and right
    docx = _docx(minutes)
    table = next(t for t in docx.tables if "TRƯỞNG ĐOÀN KIỂM TRA" in t._tbl.xml)
    # The names have a row of their own, beside each other, under the captions' row.
    rows = list(table.rows)
    (at,) = [i for i, r in enumerate(rows) if left in r.cells[0].text]
    assert [c.text.strip() for c in rows[at].cells] == [left, right]
    captions = rows[at - 1]
    assert "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA" in captions.cells[0].text
    assert "TRƯỞNG ĐOÀN KIỂM TRA" in captions.cells[1].text
    # The office's name wraps to two lines, and still the names stand on one line.
    assert len(signatures["left"]["unit"]) > 45
    words = _pdf_words(minutes)
    last = words[-1].page
    printed_left, printed_right = _find(words, left, last), _find(words, right, last)
    assert abs(printed_left.y - printed_right.y) < 1
    caption_left = _find(words, "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA", last)
    caption_right = _find(words, "TRƯỞNG ĐOÀN KIỂM TRA", last)
    assert abs(caption_left.y - caption_right.y) < 1


def test_minutes_list_every_member_of_the_team_decision(demo: list[Document]) -> None:
    decision = _one(demo, "QD")
    members = [m["name"] for m in decision.context["members"]]
    assert len(members) == 4 and "Lương Văn Hùng" in members
    for minutes in (d for d in demo if d.kind == "BB"):
        attendees = minutes.context["team_attendees"]
        assert len(attendees) == len(members)
        for line, member in zip(attendees, decision.context["members"], strict=True):
            assert line.startswith("- ") and member["name"] in line and member["role"] in line
    text = _text(_docx(_one(demo, "BB")))
    assert all(name in text for name in members)


# --------------------------------------------------------------------------- notice (TB)


def test_notice_keeps_only_its_last_paragraph_with_the_signature(demo: list[Document]) -> None:
    notice = _one(demo, "TB")
    docx = _docx(notice)
    body = docx.element.body
    signature = next(t for t in body.iter(qn("w:tbl")) if "Nơi nhận" in "".join(t.itertext()))
    before = [p for p in body if p.tag == qn("w:p") and _precedes(p, signature)]
    kept = [p for p in before if _keeps_with_next(Paragraph(p, docx))]
    # Only the title lines and the last body paragraph keep with what follows.
    assert Paragraph(kept[-1], docx).text == notice.context["contact"]
    assert {p.pPr.style if p.pPr is not None else None for p in kept[:-1]} == {"VbTitle"}
    # The PDF: page 1 runs to the last preparation item; the last page opens with the last
    # paragraph and holds the signature and the Nơi nhận whole.
    words = _pdf_words(notice)
    last = words[-1].page
    contact = _find(words, " ".join(notice.context["contact"].split()[:6]))
    assert contact.page == last
    assert all(w.y >= contact.y or w.bottom < 50 for w in words if w.page == last)  # page no.
    final_item = notice.context["preparation"][-1].split()
    assert _find(words, " ".join(final_item[-4:])).page == last - 1
    assert _find(words, "Nơi nhận:").page == last
    assert _find(words, notice.context["signer"]["name"]).page == last


def _precedes(element: object, other: object) -> bool:
    sibling = element.getnext()  # type: ignore[attr-defined]
    while sibling is not None:
        if sibling is other:
            return True
        sibling = sibling.getnext()
    return False


def _keeps_with_next(paragraph: Paragraph) -> bool:
    if not paragraph.text.strip():
        return False
    value, style = paragraph.paragraph_format.keep_with_next, paragraph.style
    while value is None and style is not None:
        value, style = style.paragraph_format.keep_with_next, style.base_style
    return bool(value)


# --------------------------------------------------------------------------- decision (QĐ)


def test_decision_runs_the_time_window_into_its_label(demo: list[Document]) -> None:
    decision = _one(demo, "QD")
    assert decision.context["time_window"] == "trong quý III, IV năm 2023"
    assert "Thời gian kiểm tra: trong quý III, IV năm 2023." in _text(_docx(decision))
    # The plan reproduces the seed word for word, its capital included.
    assert "Thời gian kiểm tra: Trong quý III, IV năm 2023" in _text(_docx(_one(demo, "KH")))


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("Trong quý III, IV năm 2023", "trong quý III, IV năm 2023"),
        ("Quý III năm 2023", "quý III năm 2023"),
        ("Từ  ngày 05/9/2023", "từ ngày 05/9/2023"),
        ("Các huyện, thành phố", "các huyện, thành phố"),
        ("UBND các huyện", "UBND các huyện"),  # an abbreviation
        ("Nguyễn Văn Giang", "Nguyễn Văn Giang"),  # a person
        ("Sở Lao động - Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội"),
        ("Ủy ban nhân dân tỉnh Lạng Sơn", "Ủy ban nhân dân tỉnh Lạng Sơn"),
        ("2023", "2023"),
        ("trong tháng 9", "trong tháng 9"),
        ("", ""),
    ],
)
def test_a_run_in_value_starts_lower_case_unless_it_is_a_name(value: str, printed: str) -> None:
    assert titles.run_in(value) == printed


def test_run_in_reads_any_unicode_form() -> None:
    assert titles.run_in(unicodedata.normalize("NFD", "Trong quý III")) == "trong quý III"
