"""The work behind a send job: read the dispatch, send outside any transaction, record the outcome.

Reading and recording are separate transactions, so no database lock is held while an SMTP
server takes its time. A worker killed mid-send leaves the dispatch `sending`; the job's lease
expires, the sweep rings it again and the same Message-ID goes out, which receivers de-duplicate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from service.commands import dispatch as dispatch_commands
from service.commands import signing
from service.database import transaction
from service.documents.naming import download_name
from service.documents.store import file_of, read_verified
from service.mail import icalendar
from service.mail.compose import DOCX, PDF, Attachment, Mail, VisitFacts, compose
from service.mail.transport import PermanentFailure, Transport
from service.models import Campaign, Dispatch, Document, Job, Organisation, Target, Visit
from service.queries.documents import versions
from service.runner import PermanentError
from workflows.documents import KINDS
from workflows.vocabulary import DispatchPurpose, OrganisationKind

# The calendar part of a notice's mail invites; a cancellation's withdraws it; a reminder has none.
CALENDAR_METHODS: dict[str, str] = {
    DispatchPurpose.DOCUMENT: "REQUEST",
    DispatchPurpose.CANCEL: "CANCEL",
}


def deliver(
    job: Job, transport: Transport, sender: str, timezone: str, docx_to_internal: bool = True
) -> None:
    """Send the job's dispatch once; raise so that the runner retries or gives up (and the
    dispatch says so through `retrying` and `given_up`)."""
    dispatch_id = int(job.payload["dispatch_id"])
    now = datetime.now(UTC)
    with transaction() as db:  # a corrupt stored file fails at once: nothing corrupt goes out
        dispatch = dispatch_commands.begin_sending(db, dispatch_id)
        if dispatch is None:
            return  # already sent, or given up: nothing to do on a re-run
        mail = read_mail(db, dispatch, sender, ZoneInfo(timezone), now, docx_to_internal)
    message = compose(mail, now)
    try:
        transport.send(message, sender, mail.recipient)
    except PermanentFailure as error:
        raise PermanentError(str(error)) from error
    with transaction() as db:
        dispatch_commands.record_sent(db, dispatch_id)


def retrying(db: Session, job: Job) -> None:
    """A send attempt failed and another follows: the dispatch waits in the queue, saying why."""
    dispatch_commands.record_failure(db, int(job.payload["dispatch_id"]), job.last_error, True)


def given_up(db: Session, job: Job) -> None:
    """The dispatch is over unsent (refused, corrupt, or out of attempts): it has failed."""
    dispatch_commands.record_failure(db, int(job.payload["dispatch_id"]), job.last_error, False)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _contact(campaign: Campaign, issuer: Organisation) -> tuple[str, str]:
    """(whom to call, the reply address): the unit in charge, its phone and mailbox."""
    unit = campaign.unit or issuer
    parts = [unit.name if unit is issuer else f"{unit.name}, {issuer.name}"]
    if campaign.contact_phone:
        parts.append(f"điện thoại {campaign.contact_phone}")
    if unit.email:
        parts.append(f"thư điện tử {unit.email}")
    return ", ".join(parts), unit.email or ""


def _replaces(db: Session, doc: Document) -> str:
    """The reference of the version this one corrects (the newest issued before it), if any."""
    earlier = (v for v in versions(db, doc) if v.version < doc.version and v.number is not None)
    return next((v.reference for v in earlier), "")


def _visit(db: Session, doc: Document) -> tuple[VisitFacts | None, dict[str, object]]:
    """The visit a notice is about, as frozen in it at issue (reminders and cancellations too)."""
    invitation = doc.context.get("invitation") or {}
    target = db.get(Target, doc.target_id) if doc.target_id else None
    if not invitation or target is None:
        return None, {}
    facts = VisitFacts(
        office=target.office.name,
        start=datetime.fromisoformat(str(invitation["start"])),
        end=datetime.fromisoformat(str(invitation["end"])),
        place=str(invitation.get("place") or target.office.name),
    )
    return facts, invitation


def _internal(db: Session, dispatch: Dispatch, issuer: Organisation) -> bool:
    """Whether the mail goes to the agency's own people or units (the DOCX stays theirs)."""
    if dispatch.organisation_id is None:
        return True  # a person of the agency: a leader, a team member
    org = db.get(Organisation, dispatch.organisation_id)
    return org is not None and (
        org.id == issuer.id or (org.parent_id == issuer.id and org.kind == OrganisationKind.UNIT)
    )


def _attachments(
    db: Session, dispatch: Dispatch, doc: Document, issuer: Organisation, docx_to_internal: bool
) -> tuple[tuple[Attachment, ...], bool]:
    """The files the mail carries, and whether its PDF is the signed one. A signed document
    goes out as its signed PDF; its editable DOCX only to the agency's own, if so configured."""
    if dispatch.purpose == DispatchPurpose.CANCEL:
        return (), False
    signed = signing.fully_signed(db, doc)
    docx = file_of(doc, "docx")
    if signed is not None and not (docx_to_internal and _internal(db, dispatch, issuer)):
        docx = None
    pdf = signed or file_of(doc, "pdf")
    files = ((pdf, "pdf", PDF), (docx, "docx", DOCX))
    attached = tuple(
        Attachment(download_name(doc, fmt), read_verified(stored), mimetype)
        for stored, fmt, mimetype in files
        if stored is not None
    )
    return attached, signed is not None


def read_mail(
    db: Session,
    dispatch: Dispatch,
    sender: str,
    tz: ZoneInfo,
    now: datetime,
    docx_to_internal: bool = True,
) -> Mail:
    """Everything the e-mail says, read in one transaction."""
    doc = dispatch.document
    campaign = db.get(Campaign, doc.campaign_id)
    issuer = db.get(Organisation, doc.issuer_id)
    assert campaign is not None and issuer is not None and doc.issue_date is not None
    contact, reply_to = _contact(campaign, issuer)
    visit, invitation = _visit(db, doc)
    attachments, signed = _attachments(db, dispatch, doc, issuer, docx_to_internal)
    method = CALENDAR_METHODS.get(dispatch.purpose, "")
    calendar = ""
    if visit is not None and method:
        sequence = int(str(invitation.get("sequence", 0)))
        if method == "CANCEL":
            current = db.get(Visit, int(str(invitation["visit_id"])))
            sequence = max(sequence + 1, current.sequence if current else 0)
        event = icalendar.Event(
            uid=icalendar.uid(
                int(str(invitation["visit_id"])), dispatch_commands.mail_domain(issuer)
            ),
            sequence=sequence,
            start=visit.start.replace(tzinfo=tz),
            end=visit.end.replace(tzinfo=tz),
            summary=str(invitation.get("summary") or doc.title),
            location=visit.place,
            description=f"{KINDS[doc.kind].label} số {doc.reference}. Liên hệ: {contact}.",
            organizer_name=issuer.name,
            organizer=sender,
            attendee_name=dispatch.recipient_name,
            attendee=dispatch.address,
        )
        calendar = icalendar.calendar(event, method, now)
    has_pdf = file_of(doc, "pdf") is not None
    return Mail(
        purpose=dispatch.purpose,
        message_id=dispatch.message_id,
        sender=sender,
        sender_name=issuer.name,
        recipient=dispatch.address,
        recipient_name=dispatch.recipient_name,
        kind_label=KINDS[doc.kind].label,
        reference=doc.reference,
        issue_date=doc.issue_date,
        subject_line=_lower_first(" ".join(doc.context.get("subject_lines") or [doc.title])),
        contact=contact,
        reply_to=reply_to,
        replaces=_replaces(db, doc),
        visit=visit,
        pdf_note="" if has_pdf else (doc.pdf_note or "chưa có bản PDF"),
        attachments=attachments,
        signed=signed,
        calendar=calendar,
        calendar_method=method if calendar else "",
    )
