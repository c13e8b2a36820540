"""The committed templates, rendered with their samples, follow Nghị định 30/2020 and the seed."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from service.documents.contract import PROVIDED, SAMPLE_CONTEXTS
from service.documents.render import check_template, render_docx, template_variables

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
SEED = ROOT / "tests" / "data" / "seed_plan_2023.txt"  # copy of seeds/000_2f04b457f893f3b0.txt
KINDS = ("KH", "QD", "TB", "BB", "BC")
WITH_RECIPIENTS = ("KH", "QD", "TB", "BC")
FONT = "Times New Roman"


def _template(kind: str) -> bytes:
    return (TEMPLATES / f"{kind}.docx").read_bytes()


def _render(kind: str, **changes: Any) -> DocxDocument:
    """The committed template of `kind` rendered with its sample, some names changed."""
    context = copy.deepcopy(SAMPLE_CONTEXTS[kind])
    context.update(changes)
    return Document(io.BytesIO(render_docx(_template(kind), context)))


@cache
def _sample(kind: str) -> DocxDocument:
    return _render(kind)


def _paragraphs(doc: DocxDocument) -> Iterator[Paragraph]:
    """Every body paragraph in reading order, table cells included."""
    for element in doc.element.body.iter(qn("w:p")):
        yield Paragraph(element, doc)


def _body_text(doc: DocxDocument) -> str:
    return " ".join(" ".join(p.text for p in _paragraphs(doc)).split())


def _lines(cell_paragraphs: list[Paragraph]) -> list[str]:
    return [p.text for p in cell_paragraphs if p.text.strip()]


def _borderless(table: Table) -> bool:
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    return borders is not None and all(edge.get(qn("w:val")) == "none" for edge in borders)


def _font(paragraph: Paragraph, run: Run, name: str) -> Any:
    """A run's font attribute as Word shows it: set on the run or given by the paragraph's style."""
    value = getattr(run.font, name)
    style = paragraph.style
    while value is None and style is not None:
        value = getattr(style.font, name)
        style = style.base_style
    return value


def _align(paragraph: Paragraph) -> Any:
    value, style = paragraph.alignment, paragraph.style
    while value is None and style is not None:
        value, style = style.paragraph_format.alignment, style.base_style
    return value


def _sizes(paragraph: Paragraph) -> set[Any]:
    return {_font(paragraph, run, "size") for run in paragraph.runs}


def _bold(paragraph: Paragraph) -> bool:
    return all(_font(paragraph, run, "bold") for run in paragraph.runs if run.text.strip())


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("kind", KINDS)
def test_sample_holds_exactly_the_provided_names(kind: str) -> None:
    assert set(SAMPLE_CONTEXTS[kind]) == PROVIDED[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_template_uses_only_provided_names(kind: str) -> None:
    used = template_variables(_template(kind))
    assert used <= PROVIDED[kind], sorted(used - PROVIDED[kind])
    assert {"governing_body", "issuer_header", "number_line", "is_draft"} <= used


@pytest.mark.parametrize("kind", KINDS)
def test_template_passes_its_own_check(kind: str) -> None:
    check_template(_template(kind), PROVIDED[kind], SAMPLE_CONTEXTS[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_rendering_is_byte_stable(kind: str) -> None:
    context = SAMPLE_CONTEXTS[kind]
    assert render_docx(_template(kind), context) == render_docx(_template(kind), context)


# --------------------------------------------------------------------------- page and fonts


@pytest.mark.parametrize("kind", KINDS)
def test_a4_with_the_decree_margins(kind: str) -> None:
    section = _sample(kind).sections[0]
    expected = {
        "page_width": Mm(210),
        "page_height": Mm(297),
        "top_margin": Mm(20),
        "bottom_margin": Mm(20),
        "left_margin": Mm(30),
        "right_margin": Mm(15),
    }
    for name, length in expected.items():
        assert abs(getattr(section, name) - length) < Mm(0.1), name


@pytest.mark.parametrize("kind", KINDS)
def test_normal_style_is_times_new_roman_14_justified(kind: str) -> None:
    normal = _sample(kind).styles["Normal"]
    assert normal.font.name == FONT
    assert normal.font.size == Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(slot)) == FONT
    fmt = normal.paragraph_format
    assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert fmt.first_line_indent == Cm(1.27)
    assert fmt.space_after is not None and fmt.space_after >= Pt(6)
    assert isinstance(fmt.line_spacing, float) and 1.0 <= fmt.line_spacing <= 1.5


@pytest.mark.parametrize("kind", KINDS)
def test_every_run_is_times_new_roman_in_black(kind: str) -> None:
    doc = _sample(kind)
    parts = [doc.element.body, *(section.header._element for section in doc.sections)]
    runs = [run for part in parts for run in part.iter(qn("w:r"))]
    assert runs
    for run in runs:
        fonts = run.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        assert fonts is not None and fonts.get(qn("w:ascii")) == FONT
        assert fonts.get(qn("w:eastAsia")) == fonts.get(qn("w:cs")) == FONT
        color = run.find(qn("w:rPr") + "/" + qn("w:color"))
        assert color is not None and color.get(qn("w:val")) == "000000"


@pytest.mark.parametrize("kind", KINDS)
def test_page_numbers_from_page_two(kind: str) -> None:
    section = _sample(kind).sections[0]
    assert section.different_first_page_header_footer
    first = section.first_page_header
    assert not first.is_linked_to_previous
    assert not "".join(p.text for p in first.paragraphs).strip()
    assert not first._element.findall(".//" + qn("w:instrText"))
    header = section.header
    assert not header.is_linked_to_previous
    instructions = [t.text for t in header._element.iter(qn("w:instrText"))]
    assert [i.strip() for i in instructions] == ["PAGE"]
    page = header.paragraphs[0]
    assert page.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {run.font.size for run in page.runs} <= {Pt(13), Pt(14)}


# --------------------------------------------------------------------------- header block


@pytest.mark.parametrize("kind", KINDS)
def test_header_table(kind: str) -> None:
    sample = SAMPLE_CONTEXTS[kind]
    table = _sample(kind).tables[0]
    assert _borderless(table)
    agency = table.cell(0, 0).paragraphs
    assert _lines(agency) == [sample["governing_body"], sample["issuer_header"]]
    governing, issuer = (p for p in agency if p.text.strip())
    assert {r.font.size for r in governing.runs} == {Pt(13)} and not governing.runs[0].bold
    assert {r.font.size for r in issuer.runs} == {Pt(13)} and _bold(issuer)
    rule = agency[-1]
    assert not rule.text and rule._p.find(qn("w:pPr") + "/" + qn("w:pBdr")) is not None
    motto = table.cell(0, 1).paragraphs
    assert _lines(motto) == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert [r.font.size for p in motto[:2] for r in p.runs] == [Pt(13), Pt(14)]
    assert all(_bold(p) for p in motto[:2])
    assert motto[-1]._p.find(qn("w:pPr") + "/" + qn("w:pBdr")) is not None
    number = table.cell(1, 0)
    assert number.text == sample["number_line"]
    assert {r.font.size for r in number.paragraphs[0].runs} == {Pt(13)}
    date = table.cell(1, 1)
    if kind == "BB":
        assert date.text == ""
        assert sample["date_line"] not in _body_text(_sample(kind))
        assert "ngày" not in " ".join(c.text for c in table._cells)
    else:
        assert date.text == sample["date_line"]
        run = date.paragraphs[0].runs[0]
        assert run.italic and run.font.size == Pt(14)


@pytest.mark.parametrize("kind", KINDS)
def test_type_and_subject_are_bold_and_centred(kind: str) -> None:
    sample = SAMPLE_CONTEXTS[kind]
    titles = [sample["doc_type"], *sample["subject_lines"]]
    found = [p for p in _sample(kind).paragraphs if p.text in titles]
    assert [p.text for p in found] == titles
    for paragraph in found:
        assert _bold(paragraph) and _align(paragraph) == WD_ALIGN_PARAGRAPH.CENTER
        assert _sizes(paragraph) == {Pt(14)}


@pytest.mark.parametrize("kind", KINDS)
def test_draft_mark_only_on_drafts(kind: str) -> None:
    draft = _render(kind, is_draft=True, number_line="Số:      /X", issue_date_iso="")
    assert "DỰ THẢO" in _body_text(draft)
    mark = next(p for p in draft.paragraphs if p.text == "DỰ THẢO")
    assert _bold(mark) and mark._p.find(qn("w:pPr") + "/" + qn("w:pBdr")) is not None
    assert "DỰ THẢO" not in _body_text(_sample(kind))


# --------------------------------------------------------------------------- signature blocks


@pytest.mark.parametrize("kind", WITH_RECIPIENTS)
def test_recipients_left_and_signer_right(kind: str) -> None:
    sample = SAMPLE_CONTEXTS[kind]
    table = _sample(kind).tables[-1]
    assert _borderless(table) and len(table.columns) == 2
    left, right = table.rows[-1].cells
    heading, *recipients = (p for p in left.paragraphs if p.text.strip())
    assert heading.text == "Nơi nhận:"
    first = heading.runs[0]
    assert _font(heading, first, "bold") and _font(heading, first, "italic")
    assert _sizes(heading) == {Pt(12)}
    assert [p.text for p in recipients] == sample["recipients"]
    assert all(_sizes(p) == {Pt(11)} for p in recipients)
    signer = sample["signer"]
    expected = [signer["authority"], signer["position"], signer["name"]]
    lines = [p for p in right.paragraphs if p.text.strip()]
    assert [p.text for p in lines] == [line for line in expected if line]
    assert all(_bold(p) and _align(p) == WD_ALIGN_PARAGRAPH.CENTER for p in lines)
    assert len(right.paragraphs) - len(lines) >= 3  # room to sign


def test_signer_without_authority_prints_position_and_name() -> None:
    signer = {"authority": "", "position": "GIÁM ĐỐC", "name": "Hoàng Văn Thắng"}
    right = _render("KH", signer=signer).tables[-1].cell(0, 1)
    assert _lines(right.paragraphs) == ["GIÁM ĐỐC", "Hoàng Văn Thắng"]


def test_minutes_have_two_signature_columns() -> None:
    """Each inspected party signs on the left, the team leader on the right; the captions fit
    their column on one line, and the Nơi nhận ends the minutes. The office's and the leader's
    names share a row of their own, so they stand on one line however long the captions are."""
    signatures = SAMPLE_CONTEXTS["BB"]["signatures"]
    doc = _sample("BB")
    table = next(t for t in doc.tables if "TRƯỞNG ĐOÀN KIỂM TRA" in t._tbl.xml)
    assert _borderless(table) and len(table.columns) == 2
    captions, names, *more = table.rows
    assert len(more) == len(signatures["more"])
    for side, caption, name in zip(("left", "right"), captions.cells, names.cells, strict=True):
        person = signatures[side]
        fields = [person[k] for k in ("title", "unit", "position") if person[k]]
        assert _lines(caption.paragraphs) == fields
        assert len(caption.paragraphs) - len(fields) >= 3  # room to sign
        assert _lines(name.paragraphs) == [person["name"]]
    for row, person in zip(more, signatures["more"], strict=True):
        cell, beside = row.cells
        assert not _lines(beside.paragraphs)
        fields = [person[k] for k in ("title", "unit", "position", "name") if person[k]]
        assert _lines(cell.paragraphs) == fields
        assert len(cell.paragraphs) - len(fields) >= 3  # room to sign
    left = table.columns[0].width
    assert left is not None and left >= Cm(9)  # "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA" at 13 pt
    text = _body_text(doc)
    assert "Nơi nhận:" in text and text.endswith(SAMPLE_CONTEXTS["BB"]["recipients"][-1])


# --------------------------------------------------------------------------- per-kind content


def _seed_lines() -> list[str]:
    """The seed's non-empty lines without markdown, less the blank number and date lines."""
    skipped = {"Số: /KH-SLĐTBXH", "Lạng Sơn, ngày tháng 4 năm 2023"}
    lines = []
    for raw in SEED.read_text(encoding="utf-8").splitlines():
        line = " ".join(raw.replace("*", "").replace("#", "").split())
        if line and line not in skipped:
            lines.append(line)
    return lines


def test_plan_reproduces_the_seed() -> None:
    text = _body_text(_sample("KH"))
    lines = _seed_lines()
    assert len(lines) > 40
    missing = [line for line in lines if line not in text]
    assert not missing


def test_plan_headings_are_bold_and_bases_italic() -> None:
    doc = _sample("KH")
    headings = [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích",
        "II. NỘI DUNG KIỂM TRA, GIÁM SÁT",
        "III. ĐỐI TƯỢNG KIỂM TRA",
        "IV. PHƯƠNG PHÁP KIỂM TRA",
        "V. THÀNH PHẦN, THỜI GIAN",
        "1. Thành phần",
    ]
    by_text = {p.text: p for p in doc.paragraphs}
    for heading in headings:
        assert _bold(by_text[heading]), heading
    for basis in SAMPLE_CONTEXTS["KH"]["legal_bases"]:
        assert all(_font(by_text[basis], run, "italic") for run in by_text[basis].runs)
    run_in = by_text[next(t for t in by_text if t.startswith("5. Báo cáo sơ kết, tổng kết: "))]
    assert run_in.runs[0].bold and not run_in.runs[-1].bold
    time = by_text[
        "2. Thời gian kiểm tra: Trong quý III, IV năm 2023 (Lịch cụ thể sẽ thông báo sau)."
    ]
    assert [r.italic for r in time.runs if r.text == "Lịch cụ thể sẽ thông báo sau"] == [True]


def test_plan_time_note_may_be_empty() -> None:
    text = _body_text(_render("KH", time_note=""))
    assert "2. Thời gian kiểm tra: Trong quý III, IV năm 2023." in text


def test_decision_lists_members_and_articles() -> None:
    sample = SAMPLE_CONTEXTS["QD"]
    doc = _sample("QD")
    text = _body_text(doc)
    for needle in (
        sample["decision_authority"],
        "QUYẾT ĐỊNH:",
        f"Điều 1. Thành lập {sample['team_name']}",
        f"Điều 2. {sample['team_duties']}",
        f"Điều 3. {sample['responsible_parties']}",
        *sample["legal_bases"],
        sample["proposal"],
    ):
        assert " ".join(needle.split()) in text
    members = doc.tables[1]
    assert [c.text for c in members.rows[0].cells][:2] == ["STT", "Họ và tên"]
    rows = [[c.text for c in row.cells] for row in members.rows[1:]]
    assert rows == [
        [str(m["index"]), m["name"], m["position"], m["role"]] for m in sample["members"]
    ]


def test_notice_schedule_has_one_row_per_visit() -> None:
    visit = SAMPLE_CONTEXTS["TB"]["schedule"][0]
    days = ("Thứ Ba, ngày 05/9/2023", "Thứ Tư, ngày 06/9/2023", "Thứ Năm, ngày 07/9/2023")
    schedule = [dict(visit, index=i, date=day) for i, day in enumerate(days, start=1)]
    doc = _render("TB", schedule=schedule)
    table = doc.tables[1]
    assert [c.text for c in table.rows[0].cells] == [
        "STT",
        "Thời gian",
        "Đơn vị được kiểm tra",
        "Ban Chỉ đạo 138 thị trấn được chọn",
        "Địa điểm",
    ]
    assert len(table.rows) == 4
    assert table.rows[3].cells[1].text == "Thứ Năm, ngày 07/9/2023\n08 giờ 00 - 11 giờ 30"
    text = _body_text(doc)
    assert "Kính gửi:" in text
    for line in SAMPLE_CONTEXTS["TB"]["addressees"]:
        assert line in text


def test_notice_prints_the_campaigns_words_only() -> None:
    """The sub-unit column is the campaign's; the opening is the plan's reference, once."""
    doc = _render("TB", sub_unit_heading="Ủy ban nhân dân xã, phường được chọn")
    assert doc.tables[1].rows[0].cells[3].text == "Ủy ban nhân dân xã, phường được chọn"
    text = _body_text(doc)
    assert "Ban Chỉ đạo 138 thị trấn được chọn" not in text
    sample = SAMPLE_CONTEXTS["TB"]
    assert f"Thực hiện {sample['plan_reference']}, {sample['introduction']}" in text
    assert text.count("Thực hiện") == 1


def test_notice_without_a_sub_unit_drops_its_column() -> None:
    """No sub-unit (an empty heading): the schedule has no such column, and is as wide."""
    with_column = _sample("TB").tables[1]
    doc = _render("TB", sub_unit_heading="")
    table = doc.tables[1]
    assert len(doc.tables) == len(_sample("TB").tables)
    assert [c.text for c in table.rows[0].cells] == [
        "STT",
        "Thời gian",
        "Đơn vị được kiểm tra",
        "Địa điểm",
    ]
    row = SAMPLE_CONTEXTS["TB"]["schedule"][0]
    assert [c.text for c in table.rows[1].cells] == [
        str(row["index"]),
        f"{row['date']}\n{row['time']}",
        row["office"],
        row["place"],
    ]
    assert "được chọn" not in _body_text(doc)

    def widths(t: Table) -> list[int]:
        return [int(col.get(qn("w:w"))) for col in t._tbl.tblGrid.findall(qn("w:gridCol"))]

    assert len(widths(table)) == 4 and sum(widths(table)) == sum(widths(with_column))


def test_minutes_record_findings_and_statistics() -> None:
    sample = SAMPLE_CONTEXTS["BB"]
    doc = _sample("BB")
    text = _body_text(doc)
    for finding in sample["findings"]:
        assert f"{finding['number']}. {finding['title']} {finding['text']}" in text
    for needle in (sample["opening"], sample["unit_comments"], sample["closing"]):
        assert needle in text
    table = doc.tables[1]
    assert len(table.rows) == 1 + len(sample["statistics"])
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        sample["statistics"][0]["label"],
        sample["statistics"][0]["value"],
    ]


def test_report_tables_and_findings() -> None:
    sample = SAMPLE_CONTEXTS["BC"]
    doc = _sample("BC")
    totals, districts = doc.tables[1], doc.tables[2]
    assert len(totals.rows) == 1 + len(sample["statistics"])
    labels = sample["statistics_short_labels"]
    assert [c.text for c in districts.rows[0].cells] == ["Huyện, thành phố", *labels]
    assert len(districts._tbl.tblGrid.findall(qn("w:gridCol"))) == 1 + len(labels)
    for row, data in zip(districts.rows[1:], sample["district_rows"], strict=True):
        assert [c.text for c in row.cells] == [data["district"], *data["values"]]
    assert {r.font.size for c in districts._cells for p in c.paragraphs for r in p.runs} == {Pt(10)}
    text = _body_text(doc)
    for heading, key in (
        ("(i) Kết quả đạt được", "results"),
        ("(ii) Tồn tại, hạn chế", "shortcomings"),
        ("(iii) Nguyên nhân", "causes"),
        ("(iv) Đề xuất, kiến nghị", "recommendations"),
    ):
        assert " ".join([heading, *sample[key]]) in text
