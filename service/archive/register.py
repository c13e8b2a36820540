"""The dispatch register of the case file: who received which document, when, with which
Message-ID, read from the `dispatches` table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.archive.catalogue import CaseFile
from service.mail.register import neutralise
from service.models import Dispatch
from workflows.vocabulary import DispatchPurpose, DispatchState

COLUMNS = (
    "STT",
    "Số, ký hiệu",
    "Ngày ban hành",
    "Nơi nhận",
    "Địa chỉ thư",
    "Mục đích",
    "Trạng thái",
    "Thời điểm gửi",
    "Message-ID",
    "Số lần gửi",
    "Lỗi gần nhất",
)
FINISHED = (DispatchState.SENT, DispatchState.FAILED)


@dataclass(frozen=True)
class RegisterFile:
    data: bytes
    count: int
    unfinished: int  # still queued or being sent when the file was built


def register_csv(db: Session, case: CaseFile, tz: str) -> RegisterFile:
    """The register as UTF-8 CSV (with BOM) in filing order, as it stands at the build."""
    entries = {d.doc_id: d for d in case.documents}
    rows = db.execute(
        select(
            Dispatch.id,
            Dispatch.document_id,
            Dispatch.purpose,
            Dispatch.recipient_name,
            Dispatch.address,
            Dispatch.state,
            Dispatch.sent_at,
            Dispatch.message_id,
            Dispatch.attempts,
            Dispatch.last_error,
        ).where(Dispatch.campaign_id == case.campaign_id)
    ).all()
    ordered = sorted(
        rows,
        key=lambda r: (
            entries[r.document_id].order if r.document_id in entries else len(entries) + 1,
            r.sent_at or datetime.max,
            r.id,
        ),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number, r in enumerate(ordered, start=1):
        doc = entries.get(r.document_id)
        cells = [
            str(number),
            doc.reference if doc else "",
            doc.date_text if doc else "",
            r.recipient_name,
            r.address,
            DispatchPurpose.label_of(r.purpose),
            DispatchState.label_of(r.state),
            _local(r.sent_at, tz),
            r.message_id,
            str(r.attempts),
            r.last_error,
        ]
        writer.writerow([neutralise(cell) for cell in cells])
    unfinished = sum(1 for r in ordered if r.state not in FINISHED)
    return RegisterFile(out.getvalue().encode("utf-8-sig"), len(ordered), unfinished)


def _local(moment: datetime | None, tz: str) -> str:
    """A stored naive-UTC time as local ISO 8601 with its offset."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")
