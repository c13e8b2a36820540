"""One e-mail of one document to one recipient: Vietnamese headers, plain text and HTML, files.

Headers with diacritics become RFC 2047 encoded words and attachment names RFC 2231 parameters
(the standard library's SMTP policy does both). The Message-ID is fixed when the dispatch is
created, so a copy sent twice across a crash is recognisably the same message.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from workflows import formatting
from workflows.routing import normal_address
from workflows.vocabulary import DispatchPurpose

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def message_id(document_id: int, purpose: str, address: str, domain: str, attempt: int = 1) -> str:
    """Deterministic per (document, recipient, purpose) and per explicit resend."""
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:16]
    suffix = f".r{attempt}" if attempt > 1 else ""
    return f"<vanthu.{document_id}.{purpose}.{digest}{suffix}@{domain}>"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class VisitFacts:
    office: str
    start: datetime
    end: datetime
    place: str

    def when(self) -> str:
        """`Thứ Ba, ngày 05/9/2023, 08 giờ 00 - 11 giờ 30`."""
        return (
            f"{formatting.weekday_date(self.start.date())}, "
            f"{formatting.clock_range(self.start, self.end)}"
        )


@dataclass(frozen=True)
class Mail:
    """Everything one e-mail says, read from the database beforehand (no session needed here)."""

    purpose: str  # a DispatchPurpose
    message_id: str
    sender: str
    sender_name: str
    recipient: str
    recipient_name: str
    kind_label: str
    reference: str
    issue_date: date
    subject_line: str
    contact: str
    reply_to: str = ""
    replaces: str = ""
    visit: VisitFacts | None = None
    pdf_note: str = ""
    attachments: tuple[Attachment, ...] = ()
    signed: bool = False  # the PDF carries the signer's and the agency's digital signatures
    calendar: str = ""
    calendar_method: str = ""

    @property
    def document(self) -> str:
        """`Thông báo lịch kiểm tra số 05/TB-SLĐTBXH ngày 21/8/2023`."""
        return (
            f"{self.kind_label} số {self.reference} ngày {formatting.short_date(self.issue_date)}"
        )


def subject(mail: Mail) -> str:
    visit = mail.visit
    if mail.purpose == DispatchPurpose.REMINDER and visit:
        day = formatting.short_date(visit.start.date())
        return f"Nhắc lịch kiểm tra ngày {day} tại {visit.office}"
    if mail.purpose == DispatchPurpose.CANCEL and visit:
        day = formatting.short_date(visit.start.date())
        return f"Hủy lịch kiểm tra ngày {day} tại {visit.office}"
    if mail.replaces:
        return f"{mail.document} (thay thế văn bản số {mail.replaces})"
    return mail.document


def paragraphs(mail: Mail) -> list[str]:
    """The body, one paragraph an item: what the document is, its number and date, whom to call."""
    visit = mail.visit
    out = [f"Kính gửi: {mail.recipient_name}."]
    if mail.purpose == DispatchPurpose.REMINDER and visit:
        out.append(
            f"{mail.sender_name} xin nhắc lịch kiểm tra tại {visit.office}: {visit.when()}, "
            f"địa điểm: {visit.place}, theo {mail.document} (gửi kèm). Đề nghị đơn vị chuẩn bị "
            "nội dung, thành phần làm việc như Thông báo đã nêu."
        )
    elif mail.purpose == DispatchPurpose.CANCEL and visit:
        out.append(
            f"{mail.sender_name} thông báo hủy lịch kiểm tra tại {visit.office} vào "
            f"{visit.when()} đã thông báo tại {mail.document}. Lịch hẹn kèm theo thư này "
            "xóa cuộc hẹn khỏi lịch của Quý cơ quan."
        )
    else:
        out.append(f"{mail.sender_name} gửi {mail.document} về việc {mail.subject_line}.")
        if mail.replaces:
            out.append(
                f"Văn bản này thay thế văn bản số {mail.replaces}; nội dung văn bản cũ "
                "không còn hiệu lực."
            )
        if visit:
            out.append(
                f"Thời gian kiểm tra: {visit.when()}. Địa điểm: {visit.place}. Thư có kèm lời "
                "mời để thêm buổi làm việc vào lịch."
            )
        out.append(f"Văn bản gửi kèm thư này: {_carried(mail)}.")
    out.append(f"Mọi thông tin chi tiết xin liên hệ: {mail.contact}.")
    out.append(f"Thư được gửi tự động từ hệ thống quản lý văn bản của {mail.sender_name}.")
    return out


def _carried(mail: Mail) -> str:
    """What the attachments are, as the body says it."""
    if mail.pdf_note:
        return f"bản DOCX (không có bản PDF: {mail.pdf_note})"
    has_docx = any(a.mimetype == DOCX for a in mail.attachments)
    if mail.signed:
        return "bản PDF đã ký số và bản DOCX để tham khảo" if has_docx else "bản PDF đã ký số"
    return "bản PDF và bản DOCX"


def _html(mail: Mail, body: list[str]) -> str:
    rows = [("Văn bản", mail.document)]
    if mail.visit:
        rows += [("Thời gian", mail.visit.when()), ("Địa điểm", mail.visit.place)]
    table = "".join(
        f'<tr><th align="left">{html.escape(k)}</th><td>{html.escape(v)}</td></tr>' for k, v in rows
    )
    text = "".join(f"<p>{html.escape(p)}</p>" for p in body)
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject(mail))}</title></head><body>"
        f"{text}<table>{table}</table></body></html>"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as sent: headers folded only past 998 octets.

    Folded at 78, a long Vietnamese display name is cut into encoded words mid-word, and some
    parsers (Python's own among them) join those back with a stray space ("Xã hộ i"); one longer
    encoded word decodes the same everywhere. Bodies keep their 76-character base64 lines.
    """
    return message.as_bytes(policy=message.policy.clone(max_line_length=998))


def compose(mail: Mail, now: datetime) -> EmailMessage:
    """The MIME message: alternative (text, HTML, calendar) then the files, `now` its Date."""
    message = EmailMessage(policy=policy.SMTP)
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(now)
    message["From"] = Address(_one_line(mail.sender_name), addr_spec=mail.sender)
    message["To"] = Address(_one_line(mail.recipient_name), addr_spec=mail.recipient)
    reply_to = normal_address(mail.reply_to)
    if reply_to is not None:  # a stored address that is malformed is never put in a header
        message["Reply-To"] = Address(addr_spec=reply_to)
    message["Subject"] = _one_line(subject(mail))
    message["Auto-Submitted"] = "auto-generated"
    body = paragraphs(mail)
    message.set_content("\n\n".join(body) + "\n")
    message.add_alternative(_html(mail, body), subtype="html")
    if mail.calendar:
        message.add_alternative(
            mail.calendar, subtype="calendar", params={"method": mail.calendar_method}
        )
    for item in mail.attachments:
        maintype, subtype_ = item.mimetype.split("/", 1)
        message.add_attachment(
            item.content, maintype=maintype, subtype=subtype_, filename=item.filename
        )
    return message
