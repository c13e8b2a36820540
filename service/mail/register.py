"""The outgoing register (sổ đăng ký văn bản đi), kept by the dispatch log, as CSV and XLSX.

One row per issued document in the columns of Nghị định 30/2020 (domain guide §3): number and
code, date, type and subject, signer, recipients, copy keeper, copies, date sent, receipt, notes.
Every text cell that a spreadsheet would read as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Dispatch, Document
from workflows import formatting
from workflows.routing import Routing
from workflows.vocabulary import DispatchPurpose, DispatchState, DocumentStatus

COLUMNS = (
    "Số, ký hiệu văn bản",
    "Ngày, tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
)
WIDTHS = (18, 12, 60, 28, 60, 20, 8, 12, 28, 50)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A cell a spreadsheet must show as text, not evaluate (CSV/formula injection)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class RegisterRow:
    reference: str
    issue_date: str
    title: str
    signer: str
    recipients: str
    keeper: str
    copies: int
    sent_on: str
    receipt: str
    notes: str


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


def _local_day(moment: datetime, tz: ZoneInfo) -> str:
    return formatting.short_date(moment.replace(tzinfo=UTC).astimezone(tz).date())


def row_for(doc: Document, dispatches: Sequence[Dispatch], tz: ZoneInfo) -> RegisterRow:
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
        issue_date=formatting.short_date(doc.issue_date) if doc.issue_date else "",
        title=doc.title,
        signer=_signer(doc.context),
        recipients="; ".join(line.text for line in routing.lines),
        keeper=", ".join(routing.filing),
        copies=routing.copies() if routing.lines else 0,
        sent_on=_local_day(max(d.sent_at for d in sent if d.sent_at), tz) if sent else "",
        receipt=receipt,
        notes=". ".join(notes),
    )


def register_rows(
    db: Session, tz: ZoneInfo, campaign_id: int | None = None, year: int | None = None
) -> list[RegisterRow]:
    """Issued documents (numbered, superseded ones too) in register order."""
    query = select(Document).where(Document.number.is_not(None))
    if campaign_id is not None:
        query = query.where(Document.campaign_id == campaign_id)
    if year is not None:
        query = query.where(Document.year == year)
    docs = db.scalars(query.order_by(Document.issue_date, Document.code, Document.number)).all()
    by_document: dict[int, list[Dispatch]] = {doc.id: [] for doc in docs}
    if docs:
        for dispatch in db.scalars(
            select(Dispatch).where(Dispatch.document_id.in_(by_document)).order_by(Dispatch.id)
        ):
            by_document[dispatch.document_id].append(dispatch)
    return [row_for(doc, by_document[doc.id], tz) for doc in docs]


def _cells(row: RegisterRow) -> list[str | int]:
    return [neutralise(v) if isinstance(v, str) else v for v in astuple(row)]


def to_csv(rows: Iterable[RegisterRow]) -> bytes:
    """UTF-8 with a byte order mark, so that spreadsheet programs read the diacritics."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_cells(row) for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterable[RegisterRow]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sổ văn bản đi"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(_cells(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = wrap
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
