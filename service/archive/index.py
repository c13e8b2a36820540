"""The document index (Mục lục văn bản) as CSV and as a Nghị định 30 style DOCX, and a PDF
made stable: LibreOffice stamps the conversion time and a random ID, which would make two
builds of the same data differ.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from xml.sax.saxutils import escape

from docx import Document as Docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader, PdfWriter

from service.archive import naming, signatures
from service.archive.catalogue import CaseFile, DocEntry
from service.documents.render import _clean, save_stable
from service.mail.register import neutralise
from workflows import formatting

Converter = Callable[[bytes], bytes]

# The columns of the index (domain §3); the CSV adds where each document's files are.
COLUMNS = (
    "STT",
    "Số, ký hiệu",
    "Ngày tháng",
    "Tên loại và trích yếu nội dung",
    "Tác giả",
    "Số trang",
    "Ghi chú",
)
CSV_FILE_COLUMNS = ("Tệp DOCX", "Tệp PDF")
# Each file's SHA-256 once more, so that verify-archive can set one record against the others.
CSV_SHA_COLUMNS = ("SHA-256 DOCX", "SHA-256 PDF")
REFERENCE, PAGES = COLUMNS[1], COLUMNS[5]
PDF_FILE = CSV_FILE_COLUMNS[1]
WIDTHS_MM = (10, 28, 21, 52, 24, 15, 15)  # 165 mm: A4 less 30 mm left and 15 mm right margins
HEADER_WIDTHS_MM = (75, 90)
CENTRED = (0, 2, 5)  # STT, date, page count
# The section on digital signatures, after the index: each signature validated at build time.
SIGNATURE_COLUMNS = ("STT", "Số, ký hiệu", "Người ký", "Thời điểm ký", "Mức", "Kết quả")
SIGNATURE_WIDTHS_MM = (10, 26, 36, 52, 13, 28)  # the time on one line
SIGNATURE_CENTRED = (0, 3, 4)
FONT = "Times New Roman"
PART_ROWS = 300  # rows of the index converted to PDF at a time


def row(doc: DocEntry) -> list[str]:
    return [
        str(doc.order),
        doc.reference,
        doc.date_text,
        doc.type_and_subject,
        doc.author,
        "" if doc.page_count is None else str(doc.page_count),
        "; ".join(doc.notes),
    ]


def index_csv(case: CaseFile) -> bytes:
    """UTF-8 with a BOM so that spreadsheet programs show the diacritics; no cell is a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*COLUMNS, *CSV_FILE_COLUMNS, *CSV_SHA_COLUMNS])
    for doc in case.documents:
        files = [next((f for f in doc.files if f.format == fmt), None) for fmt in ("docx", "pdf")]
        paths = [f.path if f else "" for f in files]
        cells = [*row(doc), *paths, *(f.sha256 if f else "" for f in files)]
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue().encode("utf-8-sig")


def read_csv(data: bytes) -> list[dict[str, str]]:
    """The rows of an index CSV as dictionaries keyed by column title."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@dataclass(frozen=True)
class _Part:
    """What one part of the index holds: the heading (first part), rows of the table of
    documents, the total (after its last row), rows of the signatures (their heading first)."""

    documents: list[DocEntry]
    signatures: list[list[str]]
    opening: bool
    closing: bool
    signing_heading: bool


def index_docx(case: CaseFile) -> bytes:
    """A4 portrait, Times New Roman, margins of Nghị định 30, page numbers from page 2."""
    rows = signatures.index_rows(case)
    return _index_document(case, _Part(case.documents, rows, True, True, bool(rows)), 1)


def _parts(case: CaseFile) -> list[_Part]:
    """The documents PART_ROWS at a time (at least one part), then the signatures likewise."""
    chunks = [
        case.documents[start : start + PART_ROWS]
        for start in range(0, max(1, len(case.documents)), PART_ROWS)
    ]
    parts = [
        _Part(chunk, [], number == 0, number == len(chunks) - 1, False)
        for number, chunk in enumerate(chunks)
    ]
    rows = signatures.index_rows(case)
    parts += [
        _Part([], rows[start : start + PART_ROWS], False, False, start == 0)
        for start in range(0, len(rows), PART_ROWS)
    ]
    return parts


def index_pdf(case: CaseFile, converter: Converter) -> bytes:
    """The index as PDF, converted PART_ROWS rows at a time and joined.

    LibreOffice lays out one long table in more than linear time (a few thousand rows take
    minutes, past the converter's timeout); parts of a few hundred rows convert in seconds, and
    each part continues the page numbers of the one before.
    """
    parts: list[bytes] = []
    first_page = 1
    for part in _parts(case):
        pdf = converter(_index_document(case, part, first_page))
        parts.append(pdf)
        first_page += len(PdfReader(io.BytesIO(pdf)).pages)
    moment = _moment(case)
    return stable_pdf(parts[0] if len(parts) == 1 else _join(parts, moment), moment)


def _join(parts: list[bytes], moment: datetime) -> bytes:
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    stamp = moment.strftime("D:%Y%m%d%H%M%S")
    writer.add_metadata({"/Title": "Mục lục văn bản", "/CreationDate": stamp})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _moment(case: CaseFile) -> datetime:
    return datetime.combine(case.end_date, time())


def _index_document(case: CaseFile, part: _Part, first_page: int) -> bytes:
    """The index, or one part of it: the heading opens the first part, the total closes the
    documents, and a later part numbers its pages from `first_page`."""
    document = Docx()
    _page_setup(document, first_page, numbered_first=not part.opening)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    _font_all_scripts(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_after = Pt(0)
    if part.opening:
        _heading(document, case)

    if part.documents or not part.signatures:
        _table(document, COLUMNS, WIDTHS_MM, CENTRED, [row(doc) for doc in part.documents])

    if part.closing:
        total = document.add_paragraph()
        total.paragraph_format.space_before = Pt(12)
        total.paragraph_format.first_line_indent = Mm(10)
        total.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        total.add_run(
            f"Mục lục này gồm {len(case.documents)} văn bản ({len(case.current)} văn bản hiện "
            f"hành, {len(case.superseded)} văn bản đã được thay thế), tổng số {case.page_count} "
            "trang văn bản hiện hành."
        )

    if part.signing_heading:
        _signing_heading(document)
    if part.signatures:
        _table(document, SIGNATURE_COLUMNS, SIGNATURE_WIDTHS_MM, SIGNATURE_CENTRED, part.signatures)

    moment = _moment(case)
    properties = document.core_properties
    properties.title = _clean(f"Mục lục văn bản - {case.file_code}")
    properties.author = _clean(case.organ_name)
    properties.last_modified_by = _clean(case.organ_name)
    properties.language = "vi-VN"
    return save_stable(document, moment)


def _heading(document: DocxDocument, case: CaseFile) -> None:
    """Organ and national motto side by side, then the title, the file's title and its span."""
    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(header, HEADER_WIDTHS_MM)
    left, right = header.rows[0].cells
    _line(left.paragraphs[0], case.organ_name.upper(), bold=True, size=12)
    _line(left.add_paragraph(), f"Mã hồ sơ: {case.file_code}", size=12)
    _line(right.paragraphs[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12)
    _line(right.add_paragraph(), "Độc lập - Tự do - Hạnh phúc", bold=True, size=13)

    title = document.add_paragraph()
    title.paragraph_format.space_before = Pt(18)
    _line(title, "MỤC LỤC VĂN BẢN", bold=True, size=14)
    _line(document.add_paragraph(), case.title, bold=True, size=13)
    label = naming.edition_label(case.edition)
    if label:
        _line(document.add_paragraph(), f"(Hồ sơ {label})", size=13)
    span = (
        f"Thời gian: từ {formatting.long_date(case.start_date)} "
        f"đến {formatting.long_date(case.end_date)}"
    )
    _line(document.add_paragraph(), span, italic=True, size=13)
    document.add_paragraph().paragraph_format.space_after = Pt(6)


def _signing_heading(document: DocxDocument) -> None:
    """The title of the signatures section and what its verdicts rest on."""
    title = document.add_paragraph()
    title.paragraph_format.space_before = Pt(18)
    _line(title, "KẾT QUẢ XÁC THỰC CHỮ KÝ SỐ", bold=True, size=14)
    note = document.add_paragraph()
    note.paragraph_format.space_before = Pt(6)
    note.paragraph_format.space_after = Pt(6)
    note.paragraph_format.first_line_indent = Mm(10)
    note.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    name = naming.file_name(naming.SIGNATURES_STEM, "json")
    note.add_run(
        "Chữ ký số của từng văn bản được kiểm tra khi lập hồ sơ, không cần kết nối mạng, theo "
        "các chứng thư số gốc tin cậy đã cấu hình; thời điểm ký theo giờ Việt Nam (ISO 8601). "
        f"Kết quả chi tiết trong tệp «{name}»."
    )


def _table(
    document: DocxDocument,
    columns: tuple[str, ...],
    widths: tuple[int, ...],
    centred: tuple[int, ...],
    rows: list[list[str]],
) -> None:
    """A ruled table whose column titles repeat at the top of every page."""
    table = document.add_table(rows=1, cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, widths)
    for cell, text in zip(table.rows[0].cells, columns, strict=True):
        _line(cell.paragraphs[0], text, bold=True, size=11)
    _repeat_as_header(table)
    _add_rows(table, rows, widths, centred)


_CREATION = re.compile(rb"/(CreationDate|ModDate)\s*\(D:(\d{14})")
# A PDF/A's XMP metadata repeats the conversion time: "<xmp:CreateDate>2023-11-20T10:05:09".
_XMP_DATE = re.compile(rb"<xmp:(CreateDate|ModifyDate|MetadataDate)>(\d{4}-\d\d-\d\dT[\d:]{8})")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]{32})>\s*<([0-9A-Fa-f]{32})>\s*\]")
_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]{32})")


def stable_pdf(pdf: bytes, moment: datetime) -> bytes:
    """Replace LibreOffice's conversion time (Info and XMP), /ID and /DocChecksum by values
    from the data.

    Every replacement keeps its length, so the cross-reference offsets stay right.
    """
    pdf = _undated_profile(pdf)
    stamp = moment.strftime("%Y%m%d%H%M%S").encode()
    pdf = _CREATION.sub(lambda m: m.group(0)[: -len(stamp)] + stamp, pdf)
    xmp_stamp = moment.strftime("%Y-%m-%dT%H:%M:%S").encode()
    pdf = _XMP_DATE.sub(lambda m: m.group(0)[: -len(xmp_stamp)] + xmp_stamp, pdf)
    masked = _CHECKSUM.sub(_zero, _ID.sub(_zero, pdf))
    digest = hashlib.md5(masked, usedforsecurity=False).hexdigest().upper().encode()
    pdf = _ID.sub(lambda m: _replace_groups(m, digest), masked)
    return _CHECKSUM.sub(lambda m: _replace_groups(m, digest), pdf)


_PROFILE = re.compile(rb"/DestOutputProfile\s+(\d+)\s+0\s+R")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) n")
_STARTXREF = re.compile(rb"startxref\s+(\d+)")


def _undated_profile(pdf: bytes) -> bytes:
    """A PDF/A's output intent embeds the sRGB profile that lcms dates at each conversion (ICC
    header bytes 24-35): that date zeroed, the stream recompressed, and its length and every
    later offset of the cross-reference table moved to match. Anything else is left as it is."""
    ref = _PROFILE.search(pdf)
    head = ref and re.search(rb"\n" + ref.group(1) + rb" 0 obj\s*<<([^>]*)>>\s*stream\r?\n", pdf)
    length = head and re.search(rb"/Length\s+(\d+)(\s+0\s+R)?", head.group(1))
    if not head or not length or b"/FlateDecode" not in head.group(1):
        return pdf
    if length.group(2):  # an indirect length: "15 0 obj 8485 endobj"
        holder = re.search(rb"\n" + length.group(1) + rb" 0 obj\s*(\d+)\s*endobj", pdf)
        if holder is None:
            return pdf
        size_span = holder.span(1)
    else:
        size_span = (head.start(1) + length.start(1), head.start(1) + length.end(1))
    start = head.end()
    end = start + int(pdf[size_span[0] : size_span[1]])
    try:
        profile = zlib.decompress(pdf[start:end])
    except zlib.error:
        return pdf
    packed = zlib.compress(profile[:24] + bytes(12) + profile[36:], 9)
    edits = sorted([(start, end, packed), (*size_span, str(len(packed)).encode())])

    def moved(offset: int) -> int:
        return offset + sum(len(new) - (e - b) for b, e, new in edits if e <= offset)

    table = pdf.rfind(b"\nxref")
    for begin, stop, new in reversed(edits):
        pdf = pdf[:begin] + new + pdf[stop:]
    table = moved(table)
    tail = _XREF_ENTRY.sub(
        lambda m: b"%010d %s n" % (moved(int(m.group(1))), m.group(2)), pdf[table:]
    )
    tail = _STARTXREF.sub(lambda m: b"startxref\n%d" % moved(int(m.group(1))), tail)
    return pdf[:table] + tail


def _zero(match: re.Match[bytes]) -> bytes:
    return _replace_groups(match, b"0" * 32)


def _replace_groups(match: re.Match[bytes], value: bytes) -> bytes:
    """The match with each captured group replaced by `value` (of the same length)."""
    text = match.group(0)
    start = match.start(0)
    pieces, cursor = [], 0
    for group in range(1, (match.lastindex or 0) + 1):
        begin, end = match.start(group) - start, match.end(group) - start
        pieces += [text[cursor:begin], value[: end - begin]]
        cursor = end
    return b"".join([*pieces, text[cursor:]])


def _page_setup(document: DocxDocument, first_page: int, *, numbered_first: bool) -> None:
    """A4 with Nghị định 30 margins; the page number centred in the top margin, from page 2."""
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    section.different_first_page_header_footer = not numbered_first
    numbering = OxmlElement("w:pgNumType")
    numbering.set(qn("w:start"), str(first_page))
    section._sectPr.append(numbering)
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = str(first_page + 1)
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _font_all_scripts(rpr: CT_RPr) -> None:
    """Times New Roman for Latin, complex and East Asian text alike (Vietnamese diacritics)."""
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)


def _line(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int = 13,
    centred: bool = True,
) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
    run = paragraph.add_run(_clean(text))
    run.bold = bold
    run.italic = italic
    run.font.size = Pt(size)


_CELL = (
    '<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:jc w:val="{align}"/>'
    '</w:pPr><w:r><w:rPr><w:sz w:val="22"/><w:szCs w:val="22"/></w:rPr>'
    '<w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:tc>'
)


def _add_rows(
    table: Table, rows: list[list[str]], widths: tuple[int, ...], centred: tuple[int, ...]
) -> None:
    """Append body rows as XML in one parse: python-docx adds each cell and run property with
    a search over its siblings, which makes an index of thousands of documents take minutes."""
    cells = []
    for texts in rows:
        cells.append("<w:tr>")
        for i, (text, width) in enumerate(zip(_clean(texts), widths, strict=True)):
            align = "center" if i in centred else "left"
            cells.append(_CELL.format(width=Mm(width).twips, align=align, text=escape(text)))
        cells.append("</w:tr>")
    body = parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(cells)}</w:tbl>")
    for tr in list(body):
        table._tbl.append(tr)


def _widths(table: Table, widths: tuple[int, ...]) -> None:
    """Fixed column widths, in the grid (which LibreOffice reads) and in every cell (Word)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _repeat_as_header(table: Table) -> None:
    """The column titles repeat at the top of every page."""
    properties = table.rows[0]._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)
