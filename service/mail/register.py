"""The outgoing register (sổ đăng ký văn bản đi), kept by the dispatch log, as CSV and XLSX.

One row per number of the register, in the columns of the sổ đăng ký văn bản đi (Nghị định
30/2020 Phụ lục IV; domain guide §3) after an STT: number and code, date, type and subject,
signer, recipients, copy keeper, copies, date sent, receipt, notes. Issued documents and the
numbers the văn thư recorded as issued outside the system, sorted by series and number. Dates are
real dates (date cells in XLSX, dd/mm/yyyy in CSV). The XLSX opens with a title (the issuer, "SỔ
ĐĂNG KÝ VĂN BẢN ĐI", the year) and prints on landscape A4, fitted to the width, the header row on
every page; the CSV is the plain table, its first line the header, for other programs to read.
Every text cell that a spreadsheet would read as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from service.models import Dispatch, Document, Organisation, Register, RegisterEntry
from service.queries.registers import series_label, series_rank
from workflows.routing import Routing
from workflows.vocabulary import DispatchPurpose, DispatchState, DocumentStatus

TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
COLUMNS = (
    "STT",
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
)
WIDTHS = (6, 18, 12, 50, 24, 40, 18, 8, 12, 22, 36)
DATE_COLUMNS = (3, 9)  # 1-based: the document's date, the date sent
HEADER_ROW = 4  # below the title rows: issuer, "SỔ ĐĂNG KÝ VĂN BẢN ĐI", year
CSV_DATE = "%d/%m/%Y"
XLSX_DATE = "DD/MM/YYYY"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXTERNAL_NOTE = "Số cấp ngoài hệ thống"


def neutralise(value: str) -> str:
    """A cell a spreadsheet must show as text, not evaluate (CSV/formula injection)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class RegisterRow:
    reference: str
    issue_date: date | None
    title: str
    signer: str
    recipients: str
    keeper: str
    copies: int | None
    sent_on: date | None
    receipt: str
    notes: str
    # Where the row sorts: the register's year, series and number.
    year: int = 0
    series: str = ""
    number: int = 0

    def order(self) -> tuple[int, int, int, str]:
        return (self.year, series_rank(self.series), self.number, self.reference)


@dataclass(frozen=True)
class Book:
    """The rows of an export and what its title says: whose register, which year(s)."""

    rows: list[RegisterRow]
    organisation: str = ""
    year: str = ""
    series: str = ""

    def subtitle(self) -> str:
        parts = [f"Năm {self.year}" if self.year else ""]
        if self.series:
            parts.append(series_label(self.series))
        return " - ".join(p for p in parts if p)


def _signer(context: dict[str, Any]) -> str:
    """The signer as printed: minutes are signed by the team leader, the rest by the signer."""
    leader = (context.get("signatures") or {}).get("right") or {}
    signer = context.get("signer") or {}
    name, position = (
        (leader.get("name"), leader.get("title"))
        if leader.get("name")
        else (signer.get("name"), signer.get("position"))
    )
    if not name:
        return ""
    return f"{name} ({position})" if position else str(name)


def _local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(tz).date()


def row_for(
    doc: Document, dispatches: Sequence[Dispatch], tz: ZoneInfo, series: str = ""
) -> RegisterRow:
    """The register line of one issued document, from its frozen routing and its e-mails."""
    routing = Routing.from_dict(doc.context.get("routing") or {})
    mails = [d for d in dispatches if d.purpose == DispatchPurpose.DOCUMENT]
    sent = [d for d in mails if d.state == DispatchState.SENT and d.sent_at is not None]
    failed = [d for d in mails if d.state == DispatchState.FAILED]
    if not mails:
        receipt = "Chưa gửi thư điện tử"
    else:
        receipt = f"Đã gửi thư điện tử {len(sent)}/{len(mails)} địa chỉ"
    notes = []
    if doc.status == DocumentStatus.SUPERSEDED:
        notes.append("Đã được thay thế bằng văn bản khác")
    notes += [f"Lỗi gửi {d.address}: {d.last_error}" for d in failed]
    if routing.unmailed():
        notes.append("Không gửi thư điện tử (không có địa chỉ): " + "; ".join(routing.unmailed()))
    return RegisterRow(
        reference=doc.reference,
        issue_date=doc.issue_date,
        title=doc.title,
        signer=_signer(doc.context),
        recipients="; ".join(line.text for line in routing.lines),
        keeper=", ".join(routing.filing),
        copies=routing.copies() if routing.lines else 0,
        sent_on=_local_day(max(d.sent_at for d in sent if d.sent_at), tz) if sent else None,
        receipt=receipt,
        notes=". ".join(notes),
        year=doc.year or 0,
        series=series,
        number=doc.number or 0,
    )


def entry_row(entry: RegisterEntry) -> RegisterRow:
    """The register line of a number the văn thư recorded as issued outside the system."""
    return RegisterRow(
        reference=entry.reference,
        issue_date=entry.issue_date,
        title=entry.title,
        signer=entry.signer,
        recipients=entry.recipients,
        keeper=entry.keeper,
        copies=entry.copies,
        sent_on=None,
        receipt="",
        notes=". ".join(n for n in (EXTERNAL_NOTE, entry.notes) if n),
        year=entry.register.year,
        series=entry.register.series,
        number=entry.number,
    )


def register_book(
    db: Session,
    tz: ZoneInfo,
    campaign_id: int | None = None,
    year: int | None = None,
    organisation_id: int | None = None,
    series: str | None = None,
) -> Book:
    """Issued documents (numbered, superseded ones too) and, unless one campaign's are asked
    for, the numbers recorded outside the system: in register order."""
    query = (
        select(Document, Register.series)
        .outerjoin(Register, Document.register_id == Register.id)
        .where(Document.number.is_not(None))
    )
    entries = (
        select(RegisterEntry)
        .join(Register, RegisterEntry.register_id == Register.id)
        .options(contains_eager(RegisterEntry.register))
    )
    if campaign_id is not None:
        query = query.where(Document.campaign_id == campaign_id)
    if year is not None:
        query = query.where(Document.year == year)
        entries = entries.where(Register.year == year)
    if organisation_id is not None:
        query = query.where(Document.issuer_id == organisation_id)
        entries = entries.where(Register.organisation_id == organisation_id)
    if series:
        query = query.where(Register.series == series)
        entries = entries.where(Register.series == series)
    docs = db.execute(query).all()
    by_document: dict[int, list[Dispatch]] = {doc.id: [] for doc, _ in docs}
    if docs:
        for dispatch in db.scalars(
            select(Dispatch).where(Dispatch.document_id.in_(by_document)).order_by(Dispatch.id)
        ):
            by_document[dispatch.document_id].append(dispatch)
    rows = [row_for(doc, by_document[doc.id], tz, kept or "") for doc, kept in docs]
    issuer_ids = {doc.issuer_id for doc, _ in docs}
    if campaign_id is None:
        recorded = list(db.scalars(entries))
        rows += [entry_row(e) for e in recorded]
        issuer_ids |= {e.register.organisation_id for e in recorded}
    if organisation_id is not None:
        issuer_ids = {organisation_id}
    rows.sort(key=RegisterRow.order)
    names = [
        org.header_name or org.name.upper()
        for org in db.scalars(
            select(Organisation).where(Organisation.id.in_(issuer_ids)).order_by(Organisation.id)
        )
    ]
    years = sorted({r.year for r in rows} | ({year} if year else set()))
    shown = str(years[0]) if len(years) == 1 else (f"{years[0]}-{years[-1]}" if years else "")
    return Book(rows, "; ".join(names), shown, series or "")


def _cells(index: int, row: RegisterRow) -> list[str | int | date | None]:
    return [
        index,
        neutralise(row.reference),
        row.issue_date,
        neutralise(row.title),
        neutralise(row.signer),
        neutralise(row.recipients),
        neutralise(row.keeper),
        row.copies,
        row.sent_on,
        neutralise(row.receipt),
        neutralise(row.notes),
    ]


def _csv_value(value: str | int | date | None) -> str | int:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime(CSV_DATE)
    return value


def to_csv(rows: Sequence[RegisterRow] | Book) -> bytes:
    """UTF-8 with a byte order mark, so that spreadsheet programs read the diacritics."""
    lines = rows.rows if isinstance(rows, Book) else rows
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for index, row in enumerate(lines, start=1):
        writer.writerow([_csv_value(v) for v in _cells(index, row)])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[RegisterRow] | Book) -> bytes:
    book = rows if isinstance(rows, Book) else Book(list(rows))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sổ văn bản đi"
    last = get_column_letter(len(COLUMNS))
    sheet["A1"] = neutralise(book.organisation)
    sheet["A1"].font = Font(bold=True)
    sheet.merge_cells(f"A1:{get_column_letter(6)}1")
    sheet["A2"] = TITLE
    sheet["A2"].font = Font(bold=True, size=14)
    sheet["A3"] = book.subtitle()
    sheet["A3"].font = Font(italic=True)
    for title_row in (2, 3):
        sheet.merge_cells(f"A{title_row}:{last}{title_row}")
        sheet[f"A{title_row}"].alignment = Alignment(horizontal="center")
    for index, title in enumerate(COLUMNS, start=1):
        cell = sheet.cell(HEADER_ROW, index, title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, row in enumerate(book.rows, start=1):
        sheet.append(_cells(index, row))
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows(min_row=HEADER_ROW):
        for cell in line:
            cell.border = border
            if cell.row == HEADER_ROW:
                continue
            cell.alignment = wrap
            if cell.column in DATE_COLUMNS and cell.value is not None:
                cell.number_format = XLSX_DATE
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    _print_setup(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _print_setup(sheet: Any) -> None:
    """Landscape A4, every column on the page's width, the header row on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_margins = PageMargins(
        left=0.6, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3
    )
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "Trang &P/&N"


REGISTER_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export(book: Book, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the register in `fmt` (csv or xlsx)."""
    content = to_csv(book) if fmt == "csv" else to_xlsx(book)
    suffix = f" {book.year}" if book.year else ""
    return content, REGISTER_TYPES[fmt], f"Sổ văn bản đi{suffix}.{fmt}"
