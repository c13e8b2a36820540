"""Dispatches: one e-mail per (document version, address, purpose), created once, sent by jobs.

Rows are inserted with ON CONFLICT DO NOTHING, and only the transaction that inserted a row
enqueues its send job: two workers finishing the same document, or two beat sweeps deciding the
same reminder, create each e-mail once. The Dispatch row holds the mail state; its Job row holds
the claim, the lease and the retries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service import jobs
from service.commands.caller import Caller
from service.commands.campaigns import get
from service.documents.store import read_verified
from service.errors import Conflict
from service.mail.compose import message_id
from service.models import Dispatch, Document, Job, Organisation, Visit
from service.timeutil import utcnow
from workflows import routing
from workflows.vocabulary import (
    DispatchPurpose,
    DispatchState,
    DocumentStatus,
    JobKind,
    VisitStatus,
)

OPEN_STATES = (DispatchState.QUEUED, DispatchState.SENDING)


def mail_domain(issuer: Organisation) -> str:
    """The agency's own mail domain: Message-IDs and calendar UIDs are made in it."""
    address = routing.normal_address(issuer.email)
    return address.split("@", 1)[1] if address else "vanthu.invalid"


def _issuer(db: Session, doc: Document) -> Organisation:
    issuer = db.get(Organisation, doc.issuer_id)
    assert issuer is not None
    return issuer


def _create(
    db: Session, doc: Document, purpose: str, recipients: Iterable[routing.Recipient]
) -> list[int]:
    """Insert the dispatches that do not exist yet and enqueue a send job for each; their ids."""
    now, domain = utcnow(), mail_domain(_issuer(db, doc))
    rows: list[dict[str, Any]] = [
        {
            "document_id": doc.id,
            "campaign_id": doc.campaign_id,
            "purpose": purpose,
            "recipient_name": r.name[:300],
            "organisation_id": r.organisation_id,
            "address": r.address,
            "state": DispatchState.QUEUED,
            "message_id": message_id(doc.id, purpose, r.address, domain),
            "attempts": 0,
            "last_error": "",
            "created_at": now,
        }
        for r in recipients
    ]
    if not rows:
        return []
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Dispatch).values(rows).on_conflict_do_nothing().returning(Dispatch.id)
    created = list(db.execute(statement).scalars())
    for dispatch_id in created:
        _enqueue(db, doc, dispatch_id, 1)
    return created


def _enqueue(db: Session, doc: Document, dispatch_id: int, attempt: int) -> Job:
    return jobs.enqueue(
        db,
        JobKind.SEND,
        f"send:{dispatch_id}:{attempt}",
        campaign_id=doc.campaign_id,
        document_id=doc.id,
        payload={"dispatch_id": dispatch_id},
    )


def document_ready(db: Session, doc: Document) -> list[int]:
    """An issued document's files are final: e-mail it to everyone its frozen routing names."""
    if doc.status not in (DocumentStatus.ISSUED, DocumentStatus.SUPERSEDED):
        return []
    resolved = routing.Routing.from_dict(doc.context.get("routing") or {})
    return _create(db, doc, DispatchPurpose.DOCUMENT, resolved.mailing())


def current_notice(db: Session, visit: Visit) -> Document | None:
    """The issued schedule notice in force for the visit's target."""
    return db.scalar(
        select(Document)
        .where(
            Document.kind == "TB",
            Document.target_id == visit.target_id,
            Document.status == DocumentStatus.ISSUED,
        )
        .order_by(Document.version.desc())
        .limit(1)
    )


def cancel_invitations(db: Session, visit: Visit) -> list[int]:
    """A called-off visit: everyone its notice invited gets a calendar cancellation."""
    notice = current_notice(db, visit)
    if notice is None:
        return []
    resolved = routing.Routing.from_dict(notice.context.get("routing") or {})
    return _create(db, notice, DispatchPurpose.CANCEL, resolved.mailing())


def schedule_reminders(db: Session, days: int, now: datetime) -> list[int]:
    """Create the reminders due at local time `now`: each address its notice reached, once."""
    created: list[int] = []
    visits = db.scalars(
        select(Visit).where(
            Visit.status == VisitStatus.SCHEDULED,
            Visit.scheduled_start > now,
            Visit.scheduled_start <= now + timedelta(days=days),
        )
    )
    for visit in visits:
        notice = current_notice(db, visit)
        if notice is None or not routing.reminder_due(visit.scheduled_start, now, days):
            continue
        mailed = db.scalars(
            select(Dispatch).where(
                Dispatch.document_id == notice.id, Dispatch.purpose != DispatchPurpose.CANCEL
            )
        ).all()
        reminded = {d.address for d in mailed if d.purpose == DispatchPurpose.REMINDER}
        recipients = [
            routing.Recipient(d.recipient_name, d.address, d.organisation_id)
            for d in mailed
            if d.purpose == DispatchPurpose.DOCUMENT
            and d.state == DispatchState.SENT
            and d.address not in reminded
        ]
        created += _create(db, notice, DispatchPurpose.REMINDER, recipients)
    return created


def get_dispatch(db: Session, dispatch_id: int) -> Dispatch:
    result: Dispatch = get(db, Dispatch, dispatch_id, "thư gửi")
    return result


def resend(db: Session, caller: Caller, dispatch_id: int) -> Dispatch:
    """An explicit new attempt, with its own Message-ID so that no receiver drops it as a copy."""
    dispatch = get_dispatch(db, dispatch_id)
    caller.require("dispatch.resend", dispatch)
    if dispatch.state in OPEN_STATES:
        raise Conflict(["Thư đang chờ gửi; chỉ gửi lại thư đã gửi hoặc bị lỗi"])
    for stored in dispatch.document.files:
        read_verified(stored)  # a corrupt file is refused now, not when the mail is due
    attempt = 1 + len(
        db.scalars(
            select(Job.id).where(Job.kind == JobKind.SEND, Job.key.like(f"send:{dispatch.id}:%"))
        ).all()
    )
    doc = dispatch.document
    dispatch.state = DispatchState.QUEUED
    dispatch.last_error = ""
    dispatch.message_id = message_id(
        doc.id, dispatch.purpose, dispatch.address, mail_domain(_issuer(db, doc)), attempt
    )
    _enqueue(db, doc, dispatch.id, attempt)
    return dispatch


def begin_sending(db: Session, dispatch_id: int) -> Dispatch | None:
    """Mark a send attempt; None when there is nothing to send (already sent or given up)."""
    dispatch = db.get(Dispatch, dispatch_id)
    if dispatch is None or dispatch.state not in OPEN_STATES:
        return None
    dispatch.state = DispatchState.SENDING
    dispatch.attempts += 1
    return dispatch


def record_sent(db: Session, dispatch_id: int) -> None:
    dispatch = db.get(Dispatch, dispatch_id)
    if dispatch is not None:
        dispatch.state = DispatchState.SENT
        dispatch.sent_at = utcnow()
        dispatch.last_error = ""


def record_failure(db: Session, dispatch_id: int, error: str, retrying: bool) -> None:
    """A failed send: the dispatch waits for its job's next attempt (`retrying`), or has failed."""
    dispatch = db.get(Dispatch, dispatch_id)
    if dispatch is None or dispatch.state == DispatchState.SENT:
        return
    dispatch.last_error = (error or "Hết số lần thử")[:4000]
    dispatch.state = DispatchState.QUEUED if retrying else DispatchState.FAILED
