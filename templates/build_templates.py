"""Build the committed DOCX templates KH, QD, TB, BB and BC in the Nghị định 30/2020 layout.

Run `python templates/build_templates.py [OUT_DIR]` (default: this folder). The .docx files, not
this script, are what the service reads, so a clerk may later edit them in Word; the script is
how they were made and rebuilds them byte for byte the same.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

HERE = Path(__file__).resolve().parent
KINDS = ("KH", "QD", "TB", "BB", "BC")

FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)
TEXT_WIDTH = 16.5  # cm: A4 210 mm less the 30 mm left and 15 mm right margins
# Agency block | national motto and date. Wider than the text block (and pulled 0.4 cm into
# each margin, with thin cell padding) so "SỞ LAO ĐỘNG - THƯƠNG BINH" and the 13 pt
# "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" each keep to one line.
HEADER_WIDTHS = (7.4, 9.9)
WIDE_INDENT = -0.4  # cm
THIN_PADDING = 0.08  # cm each side
WORD_PADDING = 0.19  # cm: Word's default left and right cell padding
SIGNATURE_WIDTHS = (7.0, 9.5)  # Nơi nhận | signature
STT = 1.4  # cm: the "STT" column fits its 13 pt bold title
FIXED_TIME = datetime(1980, 1, 1)
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
# The district table's grid has room for this many statistics columns; docxtpl's fix_tables
# drops the unused grid columns after rendering and spreads their width over the others.
MAX_STAT_COLUMNS = 16

LEFT = WD_ALIGN_PARAGRAPH.LEFT
CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

Container = DocxDocument | _Cell

# Child order python-docx does not know for the elements added here (ECMA-376 sequences).
_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
_AFTER_TBLCELLMAR = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
_AFTER_TBLBORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", *_AFTER_TBLCELLMAR)
_AFTER_TBLIND = ("w:tblBorders", *_AFTER_TBLBORDERS)


class Span(NamedTuple):
    """A run of text with its emphasis."""

    text: str
    bold: bool = False
    italic: bool = False


# --------------------------------------------------------------------------- low-level helpers


def _fonts(rpr: BaseOxmlElement) -> None:
    """Times New Roman in all four font slots, so no script falls back to a theme font."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attribute in list(rfonts.attrib):
        del rfonts.attrib[attribute]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(slot), FONT)


def _run(
    paragraph: Paragraph, text: str, size: float, bold: bool = False, italic: bool = False
) -> Run:
    """A run carrying its own font, size and colour, so a pasted paragraph keeps its look."""
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold or None
    run.font.italic = italic or None
    run.font.color.rgb = BLACK
    _fonts(run._r.get_or_add_rPr())
    return run


def _paragraph(
    container: Container,
    *spans: str | Span,
    size: float = 14,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = True,
    before: float | None = None,
    after: float | None = None,
    sides: tuple[float, float] = (0, 0),
    keep_next: bool = False,
) -> Paragraph:
    """A paragraph; options left as None keep the Normal style (justified body text)."""
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    if not indent:
        fmt.first_line_indent = Cm(0)
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    if sides != (0, 0):
        fmt.left_indent, fmt.right_indent = Cm(sides[0]), Cm(sides[1])
    if keep_next:
        fmt.keep_with_next = True
    for span in spans:
        span = Span(span) if isinstance(span, str) else span
        _run(paragraph, span.text, size, span.bold, span.italic)
    return paragraph


def _line(container: Container, *spans: str | Span, size: float = 14, **options: Any) -> Paragraph:
    """A centred unindented line without spacing, as in the header and signature blocks."""
    options.setdefault("align", CENTER)
    options.setdefault("before", 0)
    options.setdefault("after", 0)
    return _paragraph(container, *spans, size=size, indent=False, **options)


def _tag(container: Container, tag: str) -> None:
    """A paragraph holding only a docxtpl `{%p … %}` tag; docxtpl removes it when rendering."""
    _line(container, tag, align=LEFT)


def _each(container: Container, loop: str, *spans: str | Span, **options: Any) -> None:
    """One paragraph per item of the loop `loop` ("item in items")."""
    _tag(container, "{%p for " + loop + " %}")
    _paragraph(container, *spans, **options)
    _tag(container, "{%p endfor %}")


def _border(element: BaseOxmlElement, tag: str, edges: Sequence[str], val: str, size: int) -> None:
    """A border element (`w:pBdr`, `w:tblBorders`) with the given edges."""
    borders = OxmlElement(tag)
    for edge in edges:
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), val)
        line.set(qn("w:sz"), str(size))
        line.set(qn("w:space"), "0" if val == "none" else "1")
        line.set(qn("w:color"), "000000" if val != "none" else "auto")
        borders.append(line)
    successors = _AFTER_PBDR if tag == "w:pBdr" else _AFTER_TBLBORDERS
    element.insert_element_before(borders, *successors)


def _rule(container: Container, width: float, available: float, after: float = 0) -> None:
    """The short centred rule Nghị định 30 draws under the issuer, the motto and the title."""
    side = (available - width) / 2
    paragraph = _line(container, sides=(side, side), after=after)
    paragraph.paragraph_format.line_spacing = Pt(2)
    _border(paragraph._p.get_or_add_pPr(), "w:pBdr", ("bottom",), "single", 6)


def _clear(cell: _Cell) -> _Cell:
    """Drop the empty paragraph python-docx puts in a new cell, before filling it."""
    for paragraph in cell.paragraphs:
        cell._tc.remove(paragraph._p)
    return cell


def _table(
    doc: DocxDocument,
    widths: Sequence[float],
    rows: int,
    grid: bool,
    indent: float = 0,
    padding: float | None = None,
    top: float = 0,
) -> Table:
    """A fixed-layout table of the given column widths (cm), ruled or borderless.

    `indent` shifts it from the left margin; `padding` (cm, left and right) and `top` (pt)
    replace Word's default cell padding when given.
    """
    table = doc.add_table(rows=rows, cols=len(widths))
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(Cm(sum(widths)).twips))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    edges = ("top", "left", "bottom", "right", "insideH", "insideV")
    _border(tbl_pr, "w:tblBorders", edges, "single" if grid else "none", 4 if grid else 0)
    if indent:
        tbl_ind = OxmlElement("w:tblInd")
        tbl_ind.set(qn("w:w"), str(Cm(indent).twips))
        tbl_ind.set(qn("w:type"), "dxa")
        tbl_pr.insert_element_before(tbl_ind, *_AFTER_TBLIND)
    if padding is not None or top:
        margins = OxmlElement("w:tblCellMar")
        side = Cm(WORD_PADDING if padding is None else padding)
        sides = {"top": Pt(top), "left": side, "right": side}
        for edge, length in sides.items():
            margin = OxmlElement(f"w:{edge}")
            margin.set(qn("w:w"), str(length.twips))
            margin.set(qn("w:type"), "dxa")
            margins.append(margin)
        tbl_pr.insert_element_before(margins, *_AFTER_TBLCELLMAR)
    return table


def _merged_row(table: Table, row: int, tag: str) -> None:
    """A row holding only a docxtpl `{%tr … %}` tag, merged so the template reads clearly."""
    cells = table.rows[row].cells
    _line(_clear(cells[0].merge(cells[-1])), tag, align=LEFT)


def _repeat_header(table: Table) -> None:
    """Repeat the column titles on every page the table runs onto."""
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _keep_together(table: Table, row: int) -> None:
    """Never split this row across pages: a half row reads as an empty one."""
    table.rows[row]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _grid_table(
    doc: DocxDocument,
    widths: Sequence[float],
    titles: Sequence[str],
    loop: str,
    cells: Sequence[Sequence[str]],
    aligns: str,
    size: float = 13,
) -> None:
    """A ruled table: a title row, then one row per item of `loop` (`{%tr for %}`)."""
    table = _table(doc, widths, rows=4, grid=True)
    for cell, title in zip(table.rows[0].cells, titles, strict=True):
        _line(_clear(cell), Span(title, bold=True), size=size, before=3, after=3)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _repeat_header(table)
    _merged_row(table, 1, "{%tr for " + loop + " %}")
    _keep_together(table, 2)
    for cell, texts, align in zip(table.rows[2].cells, cells, aligns, strict=True):
        cell = _clear(cell)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        for text in texts:
            _line(cell, text, size=size, align=CENTER if align == "c" else LEFT, before=2, after=2)
    _merged_row(table, 3, "{%tr endfor %}")


# --------------------------------------------------------------------------- page and blocks


def _new_document() -> DocxDocument:
    """A4 portrait with the decree's margins, Times New Roman 14 body, page numbers from p. 2."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance, section.footer_distance = Mm(10), Mm(10)

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    default_rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(default_rpr)
    default_rpr.find(qn("w:lang")).set(qn("w:val"), "vi-VN")

    normal = doc.styles["Normal"]
    normal.font.size = Pt(14)
    normal.font.color.rgb = BLACK
    _fonts(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.alignment = JUSTIFY
    fmt.first_line_indent = Cm(1.27)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.15

    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    first = section.first_page_header.paragraphs[0].paragraph_format
    first.first_line_indent = Cm(0)
    header = section.header
    header.is_linked_to_previous = False
    page = header.paragraphs[0]
    page.paragraph_format.alignment = CENTER
    page.paragraph_format.first_line_indent = Cm(0)
    _page_field(page)

    props = doc.core_properties
    props.author = props.last_modified_by = props.comments = props.title = ""
    props.language = "vi-VN"
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    return doc


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field (complex form, which both Word and LibreOffice update on open)."""

    def field_char(kind: str) -> None:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        _run(paragraph, "", 14)._r.append(char)

    field_char("begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    _run(paragraph, "", 14)._r.append(instruction)
    field_char("separate")
    _run(paragraph, "2", 14)
    field_char("end")


def _header(doc: DocxDocument, dated: bool) -> None:
    """Agency block left, national motto right; number and date share the second row."""
    left_width, right_width = (width - 2 * THIN_PADDING for width in HEADER_WIDTHS)
    table = _table(doc, HEADER_WIDTHS, rows=2, grid=False, indent=WIDE_INDENT, padding=THIN_PADDING)
    left = _clear(table.cell(0, 0))
    _line(left, "{{ governing_body }}", size=13)
    _line(left, Span("{{ issuer_header }}", bold=True), size=13)
    _rule(left, 2.2, left_width)
    right = _clear(table.cell(0, 1))
    _line(right, Span("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True), size=13)
    _line(right, Span("Độc lập - Tự do - Hạnh phúc", bold=True), size=14)
    _rule(right, 6.0, right_width)
    _line(_clear(table.cell(1, 0)), "{{ number_line }}", size=13, before=6)
    if dated:
        _line(_clear(table.cell(1, 1)), Span("{{ date_line }}", italic=True), before=6)


def _title(doc: DocxDocument) -> None:
    """Draft mark (drafts only), document type and subject lines, then a short rule."""
    _tag(doc, "{%p if is_draft %}")
    side = (TEXT_WIDTH - 3.4) / 2
    mark = _line(doc, Span("DỰ THẢO", bold=True), before=12, sides=(side, side))
    _border(mark._p.get_or_add_pPr(), "w:pBdr", ("top", "left", "bottom", "right"), "single", 8)
    _tag(doc, "{%p endif %}")
    _line(doc, Span("{{ doc_type }}", bold=True), before=12)
    _tag(doc, "{%p for line in subject_lines %}")
    _line(doc, Span("{{ line }}", bold=True))
    _tag(doc, "{%p endfor %}")
    _rule(doc, 4.0, TEXT_WIDTH, after=12)


def _heading(doc: DocxDocument, text: str, before: float | None = None) -> None:
    """A bold section heading kept with the text it introduces."""
    _paragraph(doc, Span(text, bold=True), before=before, keep_next=True)


def _recipients_and_signer(doc: DocxDocument) -> None:
    """The "Nơi nhận:" list bottom left, the signer bottom right, in one borderless table."""
    table = _table(doc, SIGNATURE_WIDTHS, rows=1, grid=False, top=12)
    _keep_together(table, 0)
    left = _clear(table.cell(0, 0))
    _line(left, Span("Nơi nhận:", bold=True, italic=True), size=12, align=LEFT)
    _tag(left, "{%p for line in recipients %}")
    _line(left, "{{ line }}", size=11, align=LEFT)
    _tag(left, "{%p endfor %}")
    right = _clear(table.cell(0, 1))
    _tag(right, "{%p if signer.authority %}")
    _line(right, Span("{{ signer.authority|upper }}", bold=True))
    _tag(right, "{%p endif %}")
    _line(right, Span("{{ signer.position|upper }}", bold=True))
    for _ in range(4):
        _line(right, "")
    _line(right, Span("{{ signer.name }}", bold=True))


def _end(doc: DocxDocument) -> None:
    """Word wants a paragraph after a closing table; keep it tiny so it never adds a page."""
    _line(doc).paragraph_format.line_spacing = Pt(1)


# --------------------------------------------------------------------------- the five kinds


def _plan(doc: DocxDocument) -> None:
    """Kế hoạch kiểm tra: the seed plan's sections and headings, word for word."""
    _each(doc, "basis in legal_bases", Span("{{ basis }}", italic=True))
    _paragraph(doc, "{{ introduction }}")
    _heading(doc, "I. MỤC ĐÍCH, YÊU CẦU")
    _heading(doc, "1. Mục đích")
    _each(doc, "item in purposes", "{{ item }}")
    _paragraph(doc, Span("2. Yêu cầu: ", bold=True), "{{ requirements }}")
    _heading(doc, "II. NỘI DUNG KIỂM TRA, GIÁM SÁT")
    _tag(doc, "{%p for item in contents %}")
    _tag(doc, "{%p if item.run_in %}")
    _paragraph(
        doc,
        Span("{{ item.number }}. {{ item.title }}: ", bold=True),
        "{{ item.paragraphs[0] if item.paragraphs else '' }}",
    )
    _each(doc, "text in item.paragraphs[1:]", "{{ text }}")
    _tag(doc, "{%p else %}")
    _heading(doc, "{{ item.number }}. {{ item.title }}")
    _each(doc, "text in item.paragraphs", "{{ text }}")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _heading(doc, "III. ĐỐI TƯỢNG KIỂM TRA")
    _each(doc, "item in targets_description", "{{ item }}")
    _heading(doc, "IV. PHƯƠNG PHÁP KIỂM TRA")
    _paragraph(doc, "{{ method }}")
    _heading(doc, "V. THÀNH PHẦN, THỜI GIAN")
    _heading(doc, "1. Thành phần")
    _each(doc, "item in composition", "{{ item }}")
    _paragraph(
        doc,
        Span("2. Thời gian kiểm tra: ", bold=True),
        "{{ time_window }}{% if time_note %} (",
        Span("{{ time_note }}", italic=True),
        "){% endif %}.",
    )
    _each(doc, "text in closing_paragraphs", "{{ text }}")


def _decision(doc: DocxDocument) -> None:
    """Quyết định thành lập Đoàn kiểm tra: authority, bases, three articles, members table."""
    _line(doc, Span("{{ decision_authority }}", bold=True), after=6)
    _each(doc, "basis in legal_bases", Span("{{ basis }}", italic=True))
    _paragraph(doc, Span("{{ proposal }}", italic=True))
    _line(doc, Span("QUYẾT ĐỊNH:", bold=True), before=6, after=6)
    _paragraph(
        doc,
        Span("Điều 1. ", bold=True),
        "Thành lập {{ team_name }} gồm các thành viên có tên sau:",
        keep_next=True,
    )
    _grid_table(
        doc,
        (STT, 4.2, 7.4, 3.5),
        ("STT", "Họ và tên", "Chức vụ, đơn vị công tác", "Nhiệm vụ trong Đoàn"),
        "member in members",
        (
            ("{{ member.index }}",),
            ("{{ member.name }}",),
            ("{{ member.position }}",),
            ("{{ member.role }}",),
        ),
        "cllc",
    )
    _paragraph(doc, Span("Điều 2. ", bold=True), "{{ team_duties }}", before=12)
    _paragraph(doc, "Thời gian kiểm tra: {{ time_window }}.")
    _paragraph(doc, Span("Điều 3. ", bold=True), "{{ responsible_parties }}")


def _notice(doc: DocxDocument) -> None:
    """Thông báo lịch kiểm tra: addressees, the schedule table (1 or N rows), preparation."""
    _line(doc, "Kính gửi:", align=LEFT, sides=(2.5, 0), after=0)
    _each(doc, "line in addressees", "{{ line }}", indent=False, after=0, sides=(4.5, 0))
    _paragraph(doc, "Thực hiện {{ plan_reference }}, {{ introduction }}", before=12)
    _grid_table(
        doc,
        (STT, 3.3, 4.3, 3.6, 3.9),
        ("STT", "Thời gian", "Đơn vị được kiểm tra", "Ban Chỉ đạo xã được chọn", "Địa điểm"),
        "row in schedule",
        (
            ("{{ row.index }}",),
            ("{{ row.date }}", "{{ row.time }}"),
            ("{{ row.office }}",),
            ("{{ row.commune }}",),
            ("{{ row.place }}",),
        ),
        "cclll",
    )
    _paragraph(doc, "Đề nghị các đơn vị được kiểm tra chuẩn bị các nội dung sau:", before=12)
    _each(doc, "item in preparation", "{{ item }}")
    _paragraph(doc, "{{ contact }}")


def _minutes(doc: DocxDocument) -> None:
    """Biên bản kiểm tra: parties, findings, statistics, comments, two signature columns."""
    _paragraph(doc, "{{ opening }}")
    _heading(doc, "I. THÀNH PHẦN")
    _heading(doc, "1. Đoàn kiểm tra:")
    _each(doc, "person in team_attendees", "{{ person }}")
    _heading(doc, "2. Đơn vị được kiểm tra:")
    _each(doc, "person in unit_attendees", "{{ person }}")
    _heading(doc, "II. NỘI DUNG, KẾT QUẢ KIỂM TRA")
    _tag(doc, "{%p for finding in findings %}")
    _heading(doc, "{{ finding.number }}. {{ finding.title }}")
    _paragraph(doc, "{{ finding.text }}")
    _tag(doc, "{%p endfor %}")
    _heading(doc, "III. SỐ LIỆU THỐNG KÊ")
    _grid_table(
        doc,
        (STT, 12.1, 3.0),
        ("STT", "Chỉ tiêu", "Số liệu"),
        "item in statistics",
        (("{{ loop.index }}",), ("{{ item.label }}",), ("{{ item.value }}",)),
        "clc",
    )
    _heading(doc, "IV. Ý KIẾN CỦA ĐƠN VỊ ĐƯỢC KIỂM TRA", before=12)
    _paragraph(doc, "{{ unit_comments }}")
    _paragraph(doc, "{{ closing }}")
    # Titles and names in separate rows, so the names align even when a title wraps.
    table = _table(doc, (TEXT_WIDTH / 2, TEXT_WIDTH / 2), rows=2, grid=False, top=12)
    _keep_together(table, 0)
    _keep_together(table, 1)
    for column, side in enumerate(("left", "right")):
        cell = _clear(table.cell(0, column))
        _line(cell, Span(f"{{{{ signatures.{side}.title|upper }}}}", bold=True), keep_next=True)
        _line(cell, f"{{{{ signatures.{side}.position }}}}", keep_next=True)
        for _ in range(4):
            _line(cell, "", keep_next=True)
        _line(_clear(table.cell(1, column)), Span(f"{{{{ signatures.{side}.name }}}}", bold=True))


def _report(doc: DocxDocument) -> None:
    """Báo cáo kết quả kiểm tra: province totals, per-district table, findings (i)-(iv)."""
    _paragraph(doc, "{{ introduction }}")
    _heading(doc, "I. SỐ LIỆU TỔNG HỢP")
    _heading(doc, "1. Số liệu toàn tỉnh")
    _grid_table(
        doc,
        (STT, 12.1, 3.0),
        ("STT", "Chỉ tiêu", "Tổng số"),
        "item in statistics",
        (("{{ item.index }}",), ("{{ item.label }}",), ("{{ item.total }}",)),
        "clc",
    )
    _heading(doc, "2. Số liệu theo huyện, thành phố", before=12)
    _district_table(doc)
    _heading(doc, "II. ĐÁNH GIÁ CHUNG", before=12)
    for title, items in (
        ("(i) Kết quả đạt được", "results"),
        ("(ii) Tồn tại, hạn chế", "shortcomings"),
        ("(iii) Nguyên nhân", "causes"),
        ("(iv) Đề xuất, kiến nghị", "recommendations"),
    ):
        _heading(doc, title)
        _each(doc, f"item in {items}", "{{ item }}")


def _district_table(doc: DocxDocument) -> None:
    """One row per district, one column per short label (`{%tc for %}`), in 10 pt."""
    total, district = sum(HEADER_WIDTHS), 2.3
    widths = (district, *[(total - district) / MAX_STAT_COLUMNS] * MAX_STAT_COLUMNS)
    table = _table(doc, widths, rows=4, grid=True, indent=WIDE_INDENT, padding=0.04)
    rows = (
        (0, "Huyện, thành phố", "label in statistics_short_labels", "{{ label }}", True),
        (2, "{{ row.district }}", "value in row['values']", "{{ value }}", False),
    )
    for index, first, loop, value, heading in rows:
        cells = table.rows[index].cells
        end = _clear(cells[3].merge(cells[-1]))
        align = CENTER if heading else LEFT
        _line(_clear(cells[0]), Span(first, bold=heading), size=10, align=align, before=2, after=2)
        _line(_clear(cells[1]), "{%tc for " + loop + " %}", size=10)
        _line(_clear(cells[2]), Span(value, bold=heading), size=10, before=2, after=2)
        _line(end, "{%tc endfor %}", size=10)
    # Cell widths would fight the grid docxtpl rewrites; without them the grid rules.
    for row in table.rows:
        for cell in row.cells:
            width = cell._tc.tcPr.find(qn("w:tcW"))
            if width is not None:
                cell._tc.tcPr.remove(width)
    _repeat_header(table)
    _keep_together(table, 2)
    _merged_row(table, 1, "{%tr for row in district_rows %}")
    _merged_row(table, 3, "{%tr endfor %}")


BODIES = {"KH": _plan, "QD": _decision, "TB": _notice, "BB": _minutes, "BC": _report}


def build(kind: str) -> bytes:
    """The template of `kind` as stable DOCX bytes."""
    doc = _new_document()
    _header(doc, dated=kind != "BB")
    _title(doc)
    BODIES[kind](doc)
    if kind != "BB":
        _recipients_and_signer(doc)
    _end(doc)
    out = io.BytesIO()
    doc.save(out)
    return _stable_zip(out.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """Constant member timestamps, so rebuilding an unchanged template changes no byte."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member.filename))
    return out.getvalue()


def main(out_dir: Path = HERE) -> None:
    """Write the five templates into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        (out_dir / f"{kind}.docx").write_bytes(build(kind))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
