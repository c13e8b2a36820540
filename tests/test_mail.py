"""E-mail of issued documents against a real SMTP server (aiosmtpd): who gets what, exactly once.

Database tests run on SQLite and PostgreSQL; jobs run in this process through the real runner and
handlers, with retry back-off fast-forwarded (test_mail_workers.py runs real worker processes).
"""

from __future__ import annotations

import asyncio
import email
import io
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar as ical
import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from flask import Flask
from sqlalchemy import select, update

from service import runner
from service.app import create_app
from service.commands import dispatch as dispatch_commands
from service.commands import documents, issuing, visits
from service.config import Config
from service.database import session, transaction
from service.documents.libreoffice import libreoffice_available
from service.documents.naming import download_name
from service.documents.store import file_of
from service.mail import icalendar, register
from service.mail.compose import (
    DOCX,
    PDF,
    Attachment,
    Mail,
    VisitFacts,
    compose,
    message_id,
    wire_bytes,
)
from service.mail.transport import (
    OutboxTransport,
    PermanentFailure,
    SmtpSettings,
    SmtpTransport,
    TemporaryFailure,
)
from service.models import Campaign, Dispatch, Document, Job
from service.seed.load import load_demo
from service.timeutil import utcnow
from tests.auth_helper import SYSTEM, api_client
from tests.conftest import need
from workers import kinds as job_kinds
from workers import tasks
from workflows import formatting
from workflows.documents import KINDS
from workflows.routing import Routing

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DOMAIN = "sldtbxh.langson.example.org"
ISSUER = "Sở Lao động - Thương binh và Xã hội"


# ---------------------------------------------------------------- a real SMTP server


@dataclass
class Received:
    recipients: list[str]
    data: bytes

    @cached_property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class SmtpServer:
    """The aiosmtpd handler, with knobs: refuse addresses (550), answer 421 n times, slow DATA."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    unavailable: int = 0
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            if self.unavailable > 0:
                self.unavailable -= 1
                return "421 4.7.0 Try again later, closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 Ok: queued"

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    server.port = controller.port
    yield server
    controller.stop()


# ---------------------------------------------------------------- the service wired to it


@pytest.fixture
def no_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents stay DOCX-only (fast): the e-mail then carries the DOCX alone."""
    monkeypatch.setattr("workers.kinds.libreoffice_available", lambda _path="": None)


def make_config(
    tmp_path: Path, database_url: str, smtp_url: str, broker_url: str = "memory://", **extra: Any
) -> Config:
    return Config(
        var_dir=tmp_path / "var",
        database_url=database_url,
        broker_url=broker_url,
        smtp_url=smtp_url,
        **extra,
    )


@pytest.fixture
def mail_app(tmp_path: Path, database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    app = create_app(make_config(tmp_path, database_url, smtp.url))
    app.config["TESTING"] = True
    with app.app_context():
        yield app
    session.remove()


def run_due(fast_forward: bool = True) -> Counter[str]:
    """One pass: every queued job runs once (back-off skipped); the outcomes."""
    with transaction() as db:
        if fast_forward:
            db.execute(
                update(Job)
                .where(Job.state == "queued")
                .values(run_after=utcnow() - timedelta(seconds=1))
            )
        due = list(db.scalars(select(Job.id).where(Job.state == "queued").order_by(Job.id)))
    return Counter(runner.execute(job_id, job_kinds.KINDS, 300) for job_id in due)


def drain(passes: int = 50) -> Counter[str]:
    """Run jobs until none is queued (the jobs that jobs create included)."""
    total: Counter[str] = Counter()
    for _ in range(passes):
        outcomes = run_due()
        if not outcomes:
            return total
        total += outcomes
    raise AssertionError("jobs kept coming")


def dispatches(**where: Any) -> list[Dispatch]:
    with transaction() as db:
        query = select(Dispatch).order_by(Dispatch.id)
        for name, value in where.items():
            query = query.where(getattr(Dispatch, name) == value)
        return list(db.scalars(query))


def local_now() -> datetime:
    return datetime.now(TZ).replace(tzinfo=None, minute=0, second=0, microsecond=0)


def announce(starts: list[datetime]) -> int:
    """The demo campaign, plan issued, visits at `starts` (the rest weeks away), notices issued."""
    with transaction() as db:
        campaign = load_demo(db, new_campaign=True)
        plan = documents.draft(db, SYSTEM, campaign.id, "KH")
        documents.issue(db, SYSTEM, plan.id)
        far = local_now() + timedelta(days=20)
        for i, target in enumerate(campaign.targets):
            start = starts[i] if i < len(starts) else far + timedelta(days=i)
            end = start + timedelta(hours=3, minutes=30)
            visits.schedule(  # one visit a day, weekends included
                db,
                SYSTEM,
                campaign.id,
                target.id,
                start,
                end,
                "Hội trường tầng 2",
                confirm_non_working_days=True,
            )
        visits.announce(db, SYSTEM, campaign, None)
        campaign_id = campaign.id
    issuing.complete(campaign_id)  # the notices, as their job issues them
    return campaign_id


def calendar_of(message: EmailMessage) -> Any:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    cal = ical.Calendar.from_ical(part.get_content())
    return part.get_param("method"), cal, next(iter(cal.walk("VEVENT")))


def text_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())


# ---------------------------------------------------------------- composing, no database


def _sample_mail(**changes: Any) -> Mail:
    fields: dict[str, Any] = {
        "purpose": "document",
        "message_id": message_id(7, "document", "ldtbxh-caoloc@langson.example.org", DOMAIN),
        "sender": "vanthu@example.org",
        "sender_name": ISSUER,
        "recipient": "ldtbxh-caoloc@langson.example.org",
        "recipient_name": "Phòng Lao động, Thương binh, Xã hội - Dân tộc huyện Cao Lộc",
        "kind_label": "Thông báo lịch kiểm tra",
        "reference": "05/TB-SLĐTBXH",
        "issue_date": date(2023, 8, 21),
        "subject_line": "lịch kiểm tra công tác phòng, chống mại dâm năm 2023",
        "contact": "Phòng PCTNXH, điện thoại 02053.875710",
        "reply_to": "pctnxh@sldtbxh.langson.example.org",
        "visit": VisitFacts(
            "Phòng LĐ, TB, XH-DT huyện Cao Lộc",
            datetime(2023, 9, 5, 8),
            datetime(2023, 9, 5, 11, 30),
            "Hội trường tầng 2, UBND huyện Cao Lộc",
        ),
        "attachments": (
            Attachment("05-TB-SLĐTBXH Thông báo lịch kiểm tra.pdf", b"%PDF-1.7 \x00\xff", PDF),
            Attachment("05-TB-SLĐTBXH Thông báo lịch kiểm tra.docx", b"PK\x03\x04 docx", DOCX),
        ),
    }
    fields.update(changes)
    return Mail(**fields)


def test_headers_and_file_names_decode_to_the_right_vietnamese() -> None:
    mail = _sample_mail()
    data = wire_bytes(compose(mail, datetime.now(UTC)))
    head = data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head  # RFC 2047 encoded words
    assert b"filename*=utf-8''05-TB-SL%C4%90TBXH%20Th%C3%B4ng" in data  # RFC 2231
    parsed = Received(["x"], data).message
    assert parsed["Subject"] == "Thông báo lịch kiểm tra số 05/TB-SLĐTBXH ngày 21/8/2023"
    assert parsed["From"].addresses[0].display_name == ISSUER
    assert parsed["To"].addresses[0].display_name == mail.recipient_name
    assert parsed["Message-ID"] == mail.message_id
    # A strict RFC 2047 decoder reads the same text as the parser above.
    legacy = email.message_from_bytes(data)
    assert str(make_header(decode_header(legacy["Subject"]))) == parsed["Subject"]
    assert str(make_header(decode_header(legacy["From"]))).startswith(ISSUER)
    files = {p.get_filename(): p.get_content() for p in parsed.iter_attachments()}
    assert files == {a.filename: a.content for a in mail.attachments}
    plain, html = text_of(parsed, "plain"), text_of(parsed, "html")
    for text in (plain, html):
        assert "05/TB-SLĐTBXH" in text and "21/8/2023" in text and "02053.875710" in text
        assert "Thứ Ba, ngày 05/9/2023, 08 giờ 00 - 11 giờ 30" in text
    assert plain.startswith("Kính gửi: Phòng Lao động, Thương binh, Xã hội - Dân tộc")


def test_markup_in_data_is_escaped_in_html_and_names_cannot_inject_headers() -> None:
    mail = _sample_mail(
        recipient_name="A <b>&</b>\r\nBcc: victim@example.org",
        subject_line="<script>x</script>\r\nBcc: other@example.org\nX-Evil: 1",
    )
    parsed = Received(["x"], compose(mail, datetime.now(UTC)).as_bytes()).message
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert "\n" not in str(parsed["Subject"]) and "\r" not in str(parsed["Subject"])
    html = text_of(parsed, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_invitation_request_and_cancellation() -> None:
    event = icalendar.Event(
        uid=icalendar.uid(42, DOMAIN),
        sequence=2,
        start=datetime(2023, 9, 5, 8, tzinfo=TZ),
        end=datetime(2023, 9, 5, 11, 30, tzinfo=TZ),
        summary="Kiểm tra công tác phòng, chống mại dâm; năm 2023 tại huyện Cao Lộc",
        location="Hội trường tầng 2, UBND huyện Cao Lộc\\Đồng Đăng",
        description="Dòng 1\nDòng 2",
        organizer_name=ISSUER,
        organizer="vanthu@example.org",
        attendee_name="Nguyễn Văn Giang",
        attendee="giang.nv@sldtbxh.langson.example.org",
    )
    stamp = datetime(2023, 8, 21, 3, tzinfo=UTC)
    for method, status in (("REQUEST", "CONFIRMED"), ("CANCEL", "CANCELLED")):
        text = icalendar.calendar(event, method, stamp)
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        cal = ical.Calendar.from_ical(text)
        assert str(cal["METHOD"]) == method
        vevent = next(iter(cal.walk("VEVENT")))
        assert str(vevent["UID"]) == f"visit-42@{DOMAIN}" and int(vevent["SEQUENCE"]) == 2
        assert vevent.decoded("DTSTART") == datetime(2023, 9, 5, 1, tzinfo=UTC)
        assert vevent.decoded("DTEND") == datetime(2023, 9, 5, 4, 30, tzinfo=UTC)
        assert str(vevent["SUMMARY"]) == event.summary
        assert str(vevent["LOCATION"]) == event.location
        assert str(vevent["DESCRIPTION"]) == "Dòng 1\nDòng 2"
        assert str(vevent["STATUS"]) == status
        assert vevent["ATTENDEE"].params["CN"] == "Nguyễn Văn Giang"


def test_smtp_url_forms() -> None:
    plain = SmtpSettings.parse("smtp://vanthu%40so:p%C3%A1ss@mail.example.org")
    assert (plain.host, plain.port, plain.implicit_tls) == ("mail.example.org", 587, False)
    assert (plain.username, plain.password) == ("vanthu@so", "páss")
    tls = SmtpSettings.parse("smtps://mail.example.org")
    assert (tls.port, tls.implicit_tls) == (465, True)
    with pytest.raises(ValueError) as error:
        SmtpSettings.parse("http://user:secret@mail.example.org")
    assert "secret" not in str(error.value)


def test_transport_sorts_failures_as_smtp_does(smtp: SmtpServer) -> None:
    transport = SmtpTransport(SmtpSettings.parse(smtp.url))
    message = compose(_sample_mail(), datetime.now(UTC))
    transport.send(message, "vanthu@example.org", "a@langson.example.org")
    assert [r.recipients for r in smtp.received] == [["a@langson.example.org"]]

    smtp.refused.add("b@langson.example.org")
    with pytest.raises(PermanentFailure) as refused:
        transport.send(message, "vanthu@example.org", "b@langson.example.org")
    assert "550 5.1.1" in str(refused.value) and "User unknown" in str(refused.value)

    smtp.unavailable = 1
    with pytest.raises(TemporaryFailure) as busy:
        transport.send(message, "vanthu@example.org", "a@langson.example.org")
    assert "421" in str(busy.value)

    closed = SmtpTransport(SmtpSettings.parse(f"smtp://127.0.0.1:{free_port()}"))
    with pytest.raises(TemporaryFailure):
        closed.send(message, "vanthu@example.org", "a@langson.example.org")
    assert len(smtp.received) == 1


def test_transport_logs_in_with_the_url_credentials() -> None:
    def authenticate(*args: Any) -> AuthResult:
        data = args[-1]
        ok = (data.login, data.password) == (b"vanthu", b"p@ss:w/rd")
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 235/535

    server = SmtpServer()
    controller = Controller(
        server,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        message = compose(_sample_mail(), datetime.now(UTC))
        good = SmtpSettings.parse(f"smtp://vanthu:p%40ss%3Aw%2Frd@127.0.0.1:{controller.port}")
        SmtpTransport(good).send(message, "vanthu@example.org", "a@langson.example.org")
        assert len(server.received) == 1
        bad = SmtpSettings.parse(f"smtp://vanthu:sai@127.0.0.1:{controller.port}")
        with pytest.raises(PermanentFailure) as refused:
            SmtpTransport(bad).send(message, "vanthu@example.org", "a@langson.example.org")
        assert "535" in str(refused.value)
    finally:
        controller.stop()


def test_outbox_writes_one_file_per_message_id(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "outbox")
    message = compose(_sample_mail(), datetime.now(UTC))
    for _ in range(2):  # a re-run after a crash rewrites the same file
        outbox.send(message, "vanthu@example.org", "a@langson.example.org")
    files = list((tmp_path / "outbox").iterdir())
    assert [f.suffix for f in files] == [".eml"]
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == message["Message-ID"]


def test_register_cells_are_never_formulas() -> None:
    row = register.RegisterRow(
        reference='=HYPERLINK("http://x","y")',
        issue_date=None,
        title="-2+3",
        signer="@SUM(A1)",
        recipients="\tx",
        keeper="+1",
        copies=3,
        sent_on=None,
        receipt="Đã gửi",
        notes="a=b",
    )
    text = register.to_csv([row]).decode("utf-8-sig")
    assert text.splitlines()[1].startswith('1,"\'=HYPERLINK(""http://x"",""y"")",,\'-2+3,\'@SUM')
    sheet = openpyxl.load_workbook(io.BytesIO(register.to_xlsx([row]))).active
    assert sheet is not None
    cells = [c for c in sheet[register.HEADER_ROW + 1]][1:]  # after the STT
    assert [c.value for c in cells[:6] if c.value is not None] == [
        '\'=HYPERLINK("http://x","y")',
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "'+1",
    ]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    assert cells[6].value == 3 and cells[9].value == "a=b"


def test_register_row_of_minutes_names_the_team_leader_and_unsent_copies() -> None:
    minutes = Document(
        number=3,
        code="BB-ĐKT",
        issue_date=date(2023, 9, 5),
        title="Biên bản kiểm tra",
        status="superseded",
        context={
            "signer": {"name": "Người ký", "position": "PHÓ GIÁM ĐỐC"},
            "signatures": {"right": {"title": "TRƯỞNG ĐOÀN KIỂM TRA", "name": "Nguyễn Văn Giang"}},
            "routing": {
                "lines": [{"text": "Phòng X", "recipients": [], "missing": []}],
                "filing": ["VT", "Hồ sơ"],
            },
        },
    )
    row = register.row_for(minutes, [], TZ)
    assert (row.reference, row.issue_date) == ("03/BB-ĐKT", date(2023, 9, 5))
    assert row.signer == "Nguyễn Văn Giang (TRƯỞNG ĐOÀN KIỂM TRA)"
    assert (row.recipients, row.keeper, row.copies) == ("Phòng X", "VT, Hồ sơ", 3)
    assert row.receipt == "Chưa gửi thư điện tử" and row.sent_on is None
    assert row.notes.startswith("Đã được thay thế") and "Phòng X" in row.notes


# ---------------------------------------------------------------- the whole flow, real SMTP


def test_every_recipient_gets_exactly_what_its_rule_says(
    mail_app: Flask, smtp: SmtpServer, no_libreoffice: None
) -> None:
    from service import demo

    campaign_id = demo.prepare_campaign()
    demo.drive_campaign(campaign_id)
    drain()
    with transaction() as db:
        states = db.execute(select(Job.kind, Job.state).where(Job.kind != "archive")).all()
        assert {state for _kind, state in states} == {"done"}

    with transaction() as db:
        docs = db.scalars(
            select(Document).where(Document.campaign_id == campaign_id, Document.status == "issued")
        ).all()
        expected: dict[str, tuple[Document, str, str]] = {}
        for doc in docs:
            query = select(Dispatch).where(Dispatch.document_id == doc.id)
            rows = {d.address: d for d in db.scalars(query)}
            mailing = Routing.from_dict(doc.context["routing"]).mailing()
            # The dispatches are exactly the rule's mailing list, one per address.
            assert sorted(rows) == sorted(r.address for r in mailing)
            for recipient in mailing:
                dispatch = rows[recipient.address]
                assert dispatch.state == "sent" and dispatch.attempts == 1
                expected[dispatch.message_id] = (doc, recipient.address, recipient.name)
        stored = {doc.id: file_of(doc, "docx") for doc in docs}
        assert len(docs) == 25 and len(expected) == 149

    received = smtp.snapshot()
    assert Counter(r.message_id for r in received) == Counter(dict.fromkeys(expected, 1))
    calendars = 0
    for item in received:
        doc, address, name = expected[item.message_id]
        message = item.message
        assert item.recipients == [address]
        assert message["To"].addresses[0].addr_spec == address
        assert message["To"].addresses[0].display_name == name
        assert message["From"].addresses[0].display_name == ISSUER
        day = formatting.short_date(doc.issue_date)
        assert message["Subject"] == f"{KINDS[doc.kind].label} số {doc.reference} ngày {day}"
        plain = text_of(message, "plain")
        assert doc.reference in plain and "02053.875710" in plain and "bản DOCX" in plain
        files = list(message.iter_attachments())
        docx = stored[doc.id]
        assert docx is not None
        assert [(p.get_filename(), p.get_content()) for p in files] == [
            (download_name(doc, "docx"), docx.content)
        ]
        if doc.kind == "TB":
            method, _cal, event = calendar_of(message)
            visit_id = doc.context["invitation"]["visit_id"]
            assert method == "REQUEST" and str(event["UID"]) == f"visit-{visit_id}@{DOMAIN}"
            assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
            calendars += 1
    assert calendars == 11 * 4  # each notice: office, its head, the commune committee, the leader

    plan = next(d for d in docs if d.kind == "KH")
    to_plan = {expected[r.message_id][1] for r in received if expected[r.message_id][0] is plan}
    assert {f"ubnd-{s}@langson.example.org" for s in ("tpls", "caoloc", "dinhlap")} <= to_plan
    assert len({a for a in to_plan if a.startswith("ubnd-")}) == 11


@pytest.mark.libreoffice
def test_plan_goes_out_with_its_pdf_and_docx_intact(mail_app: Flask, smtp: SmtpServer) -> None:
    need(libreoffice_available() is not None, "LibreOffice is not installed")
    with transaction() as db:
        campaign = load_demo(db)
        documents.issue(
            db, SYSTEM, documents.draft(db, SYSTEM, campaign.id, "KH").id, date(2023, 4, 5)
        )
    drain()
    with transaction() as db:
        plan = db.scalars(select(Document).where(Document.kind == "KH")).one()
        pdf, docx = file_of(plan, "pdf"), file_of(plan, "docx")
        assert pdf is not None and docx is not None
        wanted = {
            download_name(plan, "pdf"): (pdf.content, "application/pdf"),
            download_name(plan, "docx"): (docx.content, DOCX),
        }
    received = smtp.snapshot()
    assert len(received) == 34
    for item in received:
        files = {
            p.get_filename(): (p.get_content(), p.get_content_type())
            for p in item.message.iter_attachments()
        }
        assert files == wanted
        assert "bản PDF và bản DOCX" in text_of(item.message, "plain")


def test_reschedule_updates_the_invitation_and_cancelling_cancels_it(
    mail_app: Flask, smtp: SmtpServer, no_libreoffice: None
) -> None:
    first = local_now() + timedelta(days=10)
    campaign_id = announce([first])
    drain()
    with transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        moved, called_off = campaign.targets[0], campaign.targets[1]
        old_notice = dispatch_commands.current_notice(db, moved.visit)  # type: ignore[arg-type]
        assert old_notice is not None
        old_reference = old_notice.reference
        new_start = first + timedelta(days=1, hours=2)
        visits.schedule(
            db,
            SYSTEM,
            campaign.id,
            moved.id,
            new_start,
            new_start + timedelta(hours=2),
            "Phòng họp số 1",
            confirm_non_working_days=True,  # whatever day of the week the test runs
        )
        assert called_off.visit is not None
        visits.cancel(db, SYSTEM, called_off.visit.id, "Bão lũ, đường bị chia cắt")
        moved_visit, cancelled_visit = moved.visit, called_off.visit
        assert moved_visit is not None
        cancelled_notice = dispatch_commands.current_notice(db, cancelled_visit)
        assert cancelled_notice is not None
        invited = Routing.from_dict(cancelled_notice.context["routing"]).mailing()
        cancel_to = {r.address for r in invited}
        ids = (moved_visit.id, cancelled_visit.id)
    before = len(smtp.snapshot())
    drain()
    later = smtp.snapshot()[before:]

    updates = [r for r in later if "thay thế" in r.message["Subject"]]
    assert len(updates) == 4
    for item in updates:
        assert f"(thay thế văn bản số {old_reference})" in item.message["Subject"]
        assert f"thay thế văn bản số {old_reference}" in text_of(item.message, "plain")
        method, _cal, event = calendar_of(item.message)
        assert method == "REQUEST" and str(event["UID"]) == f"visit-{ids[0]}@{DOMAIN}"
        assert int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == new_start.replace(tzinfo=TZ).astimezone(UTC)
        assert str(event["LOCATION"]) == "Phòng họp số 1"

    cancels = [r for r in later if r.message["Subject"].startswith("Hủy lịch kiểm tra")]
    assert {r.recipients[0] for r in cancels} == cancel_to and len(cancels) == len(cancel_to)
    for item in cancels:
        method, cal, event = calendar_of(item.message)
        assert method == "CANCEL" and str(cal["METHOD"]) == "CANCEL"
        assert str(event["UID"]) == f"visit-{ids[1]}@{DOMAIN}"
        assert int(event["SEQUENCE"]) == 1 and str(event["STATUS"]) == "CANCELLED"
        assert not list(item.message.iter_attachments())
    assert len(later) == len(updates) + len(cancels)


def test_reminders_go_once_even_when_two_sweeps_run_at_once(
    mail_app: Flask, smtp: SmtpServer, no_libreoffice: None
) -> None:
    soon = local_now() + timedelta(days=2)
    campaign_id = announce([soon])
    drain()
    with transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None and campaign.targets[0].visit is not None
        notice = dispatch_commands.current_notice(db, campaign.targets[0].visit)
        assert notice is not None
        notified = {r.address for r in Routing.from_dict(notice.context["routing"]).mailing()}
        # A one-day window has not opened yet; the default three-day one has.
        assert dispatch_commands.schedule_reminders(db, 1, local_now()) == []
        db.rollback()
    assert mail_app.config["VANTHU"].reminder_days == 3

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            with mail_app.app_context():
                barrier.wait()
                for _ in range(3):
                    tasks.sweep()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            session.remove()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    before = len(smtp.snapshot())
    drain()
    tasks.sweep()
    drain()
    reminders = smtp.snapshot()[before:]
    assert Counter(r.recipients[0] for r in reminders) == Counter(dict.fromkeys(notified, 1))
    for item in reminders:
        assert item.message["Subject"].startswith(f"Nhắc lịch kiểm tra ngày {soon.day:02d}/")
        assert "Hội trường tầng 2" in text_of(item.message, "plain")
    assert len(dispatches(purpose="reminder")) == len(notified)


def test_a_server_answering_421_for_a_while_gets_every_message_once(
    mail_app: Flask, smtp: SmtpServer, no_libreoffice: None
) -> None:
    with transaction() as db:
        campaign = load_demo(db)
        documents.issue(
            db, SYSTEM, documents.draft(db, SYSTEM, campaign.id, "KH").id, date(2023, 4, 5)
        )
    run_due()  # render
    run_due()  # convert: the 34 dispatches and their send jobs
    assert len(dispatches()) == 34
    smtp.unavailable = 2 * 34  # every message is refused twice
    assert run_due() == Counter(retry=34)
    waiting = dispatches()
    assert {d.state for d in waiting} == {"queued"}
    assert all("421" in d.last_error for d in waiting)
    assert run_due() == Counter(retry=34)
    assert run_due() == Counter(done=34)
    assert run_due() == Counter()
    sent = dispatches()
    assert {(d.state, d.attempts, d.last_error) for d in sent} == {("sent", 3, "")}
    received = smtp.snapshot()
    assert sorted(r.message_id for r in received) == sorted(d.message_id for d in sent)
    with transaction() as db:
        assert {j.attempts for j in db.scalars(select(Job).where(Job.kind == "send"))} == {3}


def test_a_refused_address_is_failed_shown_and_can_be_resent(
    mail_app: Flask, smtp: SmtpServer, no_libreoffice: None
) -> None:
    client = api_client(mail_app)
    refused = "ubnd-caoloc@langson.example.org"
    smtp.refused.add(refused)
    with transaction() as db:
        campaign = load_demo(db)
        documents.issue(
            db, SYSTEM, documents.draft(db, SYSTEM, campaign.id, "KH").id, date(2023, 4, 5)
        )
        campaign_id = campaign.id
    drain()
    failed = client.get("/api/v1/dispatches?state=failed").json["items"]
    assert [(d["address"], d["attempts"]) for d in failed] == [(refused, 1)]
    assert "550 5.1.1" in failed[0]["last_error"] and "User unknown" in failed[0]["last_error"]
    assert failed[0]["document_reference"] == "01/KH-SLĐTBXH"
    assert len(client.get("/api/v1/dispatches?state=sent&per_page=100").json["items"]) == 33
    with transaction() as db:
        job = db.scalars(select(Job).where(Job.kind == "send", Job.state == "failed")).one()
        assert job.attempts == 1  # a 5xx is not retried
    csv_text = client.get(f"/api/v1/register?campaign_id={campaign_id}&format=csv").data
    assert f"Lỗi gửi {refused}: Máy chủ thư từ chối: 550 5.1.1".encode() in csv_text
    assert "Đã gửi thư điện tử 33/34 địa chỉ".encode() in csv_text

    smtp.refused.clear()
    response = client.post(f"/api/v1/dispatches/{failed[0]['id']}/resend")
    assert response.status_code == 202 and response.json["state"] == "queued"
    resend_id = message_id(failed[0]["document_id"], "document", refused, DOMAIN, 2)
    assert response.json["message_id"] == resend_id != failed[0]["message_id"]
    again = client.post(f"/api/v1/dispatches/{failed[0]['id']}/resend")
    assert again.status_code == 409
    drain()
    resent = client.get(f"/api/v1/dispatches/{failed[0]['id']}").json
    assert resent["state"] == "sent" and resent["attempts"] == 2
    assert [r.message_id for r in smtp.snapshot() if r.recipients == [refused]] == [
        resent["message_id"]
    ]


def test_outgoing_register_exports(mail_app: Flask, smtp: SmtpServer, no_libreoffice: None) -> None:
    client = api_client(mail_app)
    with transaction() as db:
        campaign = load_demo(db)
        campaign.recipients = ['=HYPERLINK("http://x.example","bấm")', "Lãnh đạo Sở"]
        documents.issue(
            db, SYSTEM, documents.draft(db, SYSTEM, campaign.id, "KH").id, date(2023, 4, 5)
        )
        campaign_id = campaign.id
    drain()
    response = client.get(f"/api/v1/register?campaign_id={campaign_id}&format=xlsx&year=2023")
    assert response.status_code == 200
    assert "filename*=UTF-8''S%E1%BB%95" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    table = [[c.value for c in row][1:] for row in sheet.iter_rows(min_row=register.HEADER_ROW)]
    assert table[0] == list(register.COLUMNS[1:])
    assert table[1][0] == "01/KH-SLĐTBXH" and table[1][1] == datetime(2023, 4, 5)
    assert table[1][3] == "Nguyễn Văn Giang (PHÓ GIÁM ĐỐC)"
    assert table[1][4] == '\'=HYPERLINK("http://x.example","bấm"); Lãnh đạo Sở'
    assert table[1][5] == "VT, PCTNXH" and table[1][8] == "Đã gửi thư điện tử 1/1 địa chỉ"
    assert table[1][7].date() == datetime.now(TZ).date()
    assert "Không gửi thư điện tử (không có địa chỉ)" in table[1][9]
    csv_data = client.get(f"/api/v1/register?campaign_id={campaign_id}&format=csv")
    assert csv_data.data.startswith("\ufeff".encode()) and csv_data.mimetype == "text/csv"
    assert client.get("/api/v1/register?format=pdf").status_code == 422


def test_routing_preview(mail_app: Flask, smtp: SmtpServer) -> None:
    client = api_client(mail_app)
    with transaction() as db:
        plan = documents.draft(db, SYSTEM, load_demo(db).id, "KH")
    body = client.get(f"/api/v1/documents/{plan.id}/routing").json
    assert body["printed"][0] == "- UBND các huyện, thành phố (PHCĐ);"
    assert len(body["mailing"]) == 34 and body["unmailed"] == ["VP, Phòng KH-TC"]
    assert client.get("/api/v1/documents/999/routing").status_code == 404


@pytest.mark.slow
def test_demo_sends_through_the_smtp_url(tmp_path: Path, smtp: SmtpServer) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VANTHU_") or k.startswith("VANTHU_TEST")
    }
    out = str(tmp_path / "out")
    env.update(
        VANTHU_VAR_DIR=str(tmp_path / "var"),
        VANTHU_SMTP_URL=smtp.url,
        VANTHU_SOFFICE=str(tmp_path / "no-soffice"),
    )
    demo = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "demo", "--out", out],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        stdout, stderr = demo.communicate(timeout=900)
    finally:  # Ctrl-C lets the demo stop its worker and beat processes
        if demo.poll() is None:
            demo.send_signal(signal.SIGINT)
            demo.communicate(timeout=60)
    assert demo.returncode == 0, stderr[-3000:]
    received = smtp.snapshot()
    distinct = {r.message_id for r in received}
    assert len(distinct) == len(received) == 149
    assert "Thư điện tử: 149 thư đã gửi tới " in stdout
    assert f"qua {smtp.url}; 0 thư lỗi" in stdout
    assert not list((tmp_path / "var" / "outbox").glob("*.eml"))
