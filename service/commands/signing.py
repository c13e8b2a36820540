"""Signing an issued document before it is sent: its signing order as rows, each applied once.

When an issued document's PDF is ready, its signatures (workflows.signing.plan) become rows and a
job prepares the PDF: every signature field is added in one incremental update before the first
signature, so no later one invalidates an earlier. Each step is then applied in order, either by
a sign job with a server-side key (the signer's, or the agency's seal by the văn thư), or by the
signer's own tool through a one-time download and upload link pair. The last signature mails it.
Every revision is kept: the issued PDF, the prepared one, and one per signature.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import audit, jobs
from service.auth import Forbidden
from service.commands import dispatch
from service.commands.caller import Caller
from service.commands.documents import get_document
from service.database import transaction
from service.documents.store import file_of, put_file, read_verified
from service.errors import Conflict, NotFound
from service.models import Campaign, Document, DocumentFile, Job, Organisation, Signature
from service.runner import PermanentError
from service.signing import PinRefused, placement
from service.signing.pdf import FieldSpec, prepare, sign
from service.signing.pin import unseal
from service.signing.toolkit import Toolkit
from service.signing.upload import Refused, check_upload
from service.signing.validation import SignatureReport, validate
from service.timeutil import utcnow
from workflows import signing
from workflows.signing import PREPARED, revision_format
from workflows.vocabulary import DocumentStatus, JobKind, SignatureState

log = logging.getLogger(__name__)

LINK_HOURS = 24  # how long a signer's one-time link pair stays usable


def signatures_of(db: Session, document_id: int) -> list[Signature]:
    return list(
        db.scalars(
            select(Signature).where(Signature.document_id == document_id).order_by(Signature.step)
        )
    )


def latest_pdf(doc: Document, signed: Sequence[Signature]) -> DocumentFile | None:
    """The newest revision: after the last signature applied, else the prepared PDF."""
    done = [s for s in signed if s.state == SignatureState.SIGNED]
    if done:
        return file_of(doc, revision_format(done[-1].step))
    return file_of(doc, PREPARED)


def ready(doc: Document) -> bool:
    """Whether the PDF has its signature fields, so that a first signature may be applied."""
    return file_of(doc, PREPARED) is not None


def fully_signed(db: Session, doc: Document) -> DocumentFile | None:
    """The PDF to send and file: the last revision once every signature is applied."""
    rows = signatures_of(db, doc.id)
    if not rows or any(s.state != SignatureState.SIGNED for s in rows):
        return None
    return file_of(doc, revision_format(rows[-1].step))


def pdf_ready(db: Session, doc: Document, signing_on: bool) -> None:
    """The issued document's PDF is stored: mail it, or first have it signed."""
    if not signing_on or doc.status not in (DocumentStatus.ISSUED, DocumentStatus.SUPERSEDED):
        dispatch.document_ready(db, doc)
        return
    if signatures_of(db, doc.id):
        return  # planned already (a repeated convert)
    campaign = db.get(Campaign, doc.campaign_id)
    assert campaign is not None
    for signatory in signing.plan(doc.kind, doc.context, campaign.signing):
        db.add(
            Signature(
                document_id=doc.id,
                step=signatory.step,
                party=signatory.party,
                image=signatory.image,
                field=signatory.field,
                name=signatory.name[:200],
                above=signatory.above[:300],
                person_id=signatory.person_id,
            )
        )
    db.flush()
    jobs.enqueue(
        db, JobKind.SIGN, f"prepare:{doc.id}", campaign_id=doc.campaign_id, document_id=doc.id
    )


def _fields(pdf: bytes, rows: Sequence[Signature]) -> list[FieldSpec]:
    """Each signature's field where its image goes: between the line above and the printed name;
    the seal over the left third of the signature before it. Without a printed block the field
    is invisible (the signature is still in the file, and validated)."""
    fields: list[FieldSpec] = []
    previous: placement.Box | None = None
    for row in rows:
        box: placement.Box | None
        if row.image == signing.Image.SEAL:
            box = placement.seal_box(previous) if previous is not None else None
        else:
            block = placement.find_block(pdf, row.name, row.above) if row.name else None
            box = placement.signature_box(block) if block is not None else None
            previous = box
        fields.append(FieldSpec(row.field, box))
    return fields


def run_prepare(document_id: int) -> None:
    """The prepare job: add every signature field to the issued PDF in one update."""
    with transaction() as db:
        doc = get_document(db, document_id)
        if file_of(doc, PREPARED) is not None:
            return
        source = file_of(doc, "pdf")
        if source is None:
            raise PermanentError("Văn bản chưa có bản PDF để ký")
        pdf = read_verified(source)
        rows = signatures_of(db, document_id)
        db.expunge_all()
    prepared = prepare(pdf, _fields(pdf, rows))
    with transaction() as db:
        doc = get_document(db, document_id)
        if file_of(doc, PREPARED) is None:
            put_file(db, doc, PREPARED, prepared)


def _caller_signs(caller: Caller, row: Signature) -> None:
    """Forbidden unless the caller is this step's signatory."""
    if row.party == signing.Party.AGENCY:
        caller.require("document.seal", row.document)
        return
    caller.require("document.sign", row.document)
    if row.party == signing.Party.UNIT:
        return  # the unit signs with its own tool: the links are handed to it
    user = caller.user
    if user is not None and (row.person_id is None or user.person_id != row.person_id):
        who = row.name or signing.Party.label_of(row.party)
        raise Forbidden(f"Văn bản này do {who} ký; tài khoản của bạn không ký thay được")


@dataclass(frozen=True)
class Offer:
    """What the caller may do about a step now: what the document page and "Chờ ký" offer."""

    sign: bool  # ask a signing with the signatory's server-side key
    links: bool  # make the one-time link pair for a signer's own tool


def offer(caller: Caller, row: Signature) -> Offer:
    """The same checks as `request` and `create_links`, on the step's own party, as an answer."""
    if row.state == SignatureState.SIGNED:
        return Offer(False, False)
    try:
        if row.party == signing.Party.UNIT:
            caller.require("document.sign", row.document)
        else:
            _caller_signs(caller, row)
    except (Forbidden, NotFound):
        return Offer(False, False)
    queued = row.state == SignatureState.QUEUED
    return Offer(sign=row.party != signing.Party.UNIT and not queued, links=not queued)


def _next(db: Session, doc: Document) -> Signature:
    """The step to sign now: the first not signed, once the PDF is prepared."""
    if doc.status not in (DocumentStatus.ISSUED, DocumentStatus.SUPERSEDED):
        raise Conflict(["Chỉ ký văn bản đã ban hành"])
    rows = signatures_of(db, doc.id)
    if not rows:
        raise Conflict(["Văn bản này không cần ký số, hoặc chưa có bản PDF"])
    pending = [s for s in rows if s.state != SignatureState.SIGNED]
    if not pending:
        raise Conflict(["Văn bản đã được ký đủ"])
    if file_of(doc, PREPARED) is None:
        raise Conflict(["Đang chuẩn bị bản PDF để ký; vui lòng thử lại sau ít giây"])
    return pending[0]


def _step(db: Session, doc: Document, step: int) -> Signature:
    row = _next(db, doc)
    if row.step != step:
        earlier = signing.Party.label_of(row.party)
        raise Conflict([f"Chưa đến lượt chữ ký này: cần {earlier} ký trước"])
    return row


def request(
    db: Session, caller: Caller, document_id: int, step: int, sealed_pin: str = ""
) -> Signature:
    """Sign step `step` with the signatory's server-side key: a sign job does it, with the
    signer's PIN (`service.signing.pin.seal`ed) where the token asks for one."""
    doc = get_document(db, document_id)
    caller.require("document.view", doc)
    row = _step(db, doc, step)
    _caller_signs(caller, row)
    if row.party == signing.Party.UNIT:
        raise Conflict(
            ["Đại diện đơn vị được kiểm tra ký bằng công cụ ký của mình (tải về, ký, tải lên)"]
        )
    if row.state == SignatureState.QUEUED:
        return row
    attempt = 1 + len(
        db.scalars(
            select(Job.id).where(Job.kind == JobKind.SIGN, Job.key.like(f"sign:{row.id}:%"))
        ).all()
    )
    row.state, row.signed_by, row.last_error = SignatureState.QUEUED, caller.name, ""
    jobs.enqueue(
        db,
        JobKind.SIGN,
        f"sign:{row.id}:{attempt}",
        campaign_id=doc.campaign_id,
        document_id=doc.id,
        payload={"signature_id": row.id, **({"pin": sealed_pin} if sealed_pin else {})},
    )
    audit.record(db, "document.sign_request", "document", doc.id, _what(row), actor=caller.name)
    return row


def _what(row: Signature) -> str:
    return f"{row.step}. {signing.Party.label_of(row.party)}: {row.name}".strip(": ")


def key_label(doc: Document, row: Signature) -> str:
    """The server-side key that applies `row`: the person's, or the issuing agency's seal."""
    if row.party == signing.Party.AGENCY:
        return signing.seal_key(doc.issuer_id)
    return signing.person_key(int(row.person_id or 0))


def _stamp(image: str, issuer: str, at: datetime) -> str:
    """The text under the image (Nghị định 30/2020, Phụ lục I): the agency's signature shows
    its name and the signing time in ISO 8601 with the local offset (+07:00), not UTC; the
    signer's shows the image alone."""
    return f"{issuer}\n{at.isoformat(timespec='seconds')}" if image == signing.Image.SEAL else ""


def run_sign(job: Job, toolkit: Toolkit, secret: str) -> None:
    """The sign job: apply one signature with its server-side key, store the new revision. A
    PIN the token refuses ends the job at once (another try would only lock the token)."""
    signature_id = int(job.payload["signature_id"])
    with transaction() as db:
        row = db.get(Signature, signature_id)
        if row is None or row.state != SignatureState.QUEUED:
            _forget_pin(db, job.id)
            return  # signed already, or withdrawn
        doc = row.document
        current = latest_pdf(doc, signatures_of(db, doc.id))
        if current is None:
            raise PermanentError("Chưa có bản PDF đã chuẩn bị để ký")
        issuer = db.get(Organisation, doc.issuer_id)
        assert issuer is not None
        pdf, key, field = read_verified(current), key_label(doc, row), row.field
        image, issuer_name = row.image, issuer.name
    at = datetime.now(toolkit.zone).replace(microsecond=0)
    try:
        pin = unseal(job.payload["pin"], secret) if "pin" in job.payload else None
        with toolkit.signer(key, pin) as signer:
            signed = sign(
                pdf,
                field,
                signer,
                toolkit.image(key),
                _stamp(image, issuer_name, at),
                timestamper=toolkit.timestamper,
                validation=toolkit.validation_context(),
                signing_time=at,
            )
    except PinRefused as refused:
        raise PermanentError(refused.reason) from refused
    report = validate(signed.pdf, toolkit.roots)[-1]
    if not report.valid:  # a key or root misconfigured: nothing invalid is kept or sent
        raise PermanentError(f"Chữ ký vừa tạo không hợp lệ: {report.reason}")
    with transaction() as db:
        row = db.get(Signature, signature_id)
        if row is None or row.state != SignatureState.QUEUED:
            return
        _record(db, row, signed.pdf, report, "server", row.signed_by)
        _forget_pin(db, job.id)


def _record(
    db: Session, row: Signature, pdf: bytes, report: SignatureReport, method: str, actor: str
) -> None:
    doc = row.document
    put_file(db, doc, revision_format(row.step), pdf)
    row.state, row.method, row.level = SignatureState.SIGNED, method, report.level
    row.report = report.to_dict()
    row.signed_by, row.signed_at, row.last_error = actor, utcnow(), ""
    row.download_token = row.upload_token = None
    detail = f"{_what(row)} ({report.level})"
    audit.record(db, "document.sign", "document", doc.id, detail, actor=actor)
    if fully_signed(db, doc) is not None:
        dispatch.document_ready(db, doc)


def _forget_pin(db: Session, job_id: int) -> None:
    """The job is over: its PIN, even encrypted, leaves the database."""
    done = db.get(Job, job_id)
    if done is not None and "pin" in done.payload:
        done.payload = {k: v for k, v in done.payload.items() if k != "pin"}


def sign_failed(db: Session, job: Job) -> None:
    """A sign job out of attempts (or refused its PIN): the step may be asked again, with the
    reason shown."""
    _forget_pin(db, job.id)
    row = db.get(Signature, int(job.payload.get("signature_id") or 0))
    if row is not None and row.state == SignatureState.QUEUED:
        row.state, row.last_error = SignatureState.FAILED, (job.last_error or "")[:2000]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Links:
    """A one-time pair for a signer's own tool: fetch the PDF, then upload it signed."""

    signature: Signature
    download_token: str
    upload_token: str
    expires_at: datetime


def create_links(db: Session, caller: Caller, document_id: int, step: int) -> Links:
    """A new link pair for step `step` (an earlier pair stops working)."""
    doc = get_document(db, document_id)
    caller.require("document.view", doc)
    row = _step(db, doc, step)
    if row.party == signing.Party.UNIT:
        caller.require("document.sign", doc)  # staff hand the pair to the inspected unit
    else:
        _caller_signs(caller, row)
    if row.state == SignatureState.QUEUED:
        raise Conflict(["Chữ ký này đang được ký bằng khóa trên máy chủ"])
    download, upload = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row.download_token, row.upload_token = _token_hash(download), _token_hash(upload)
    row.links_expire_at = utcnow() + timedelta(hours=LINK_HOURS)
    audit.record(db, "document.sign_links", "document", doc.id, _what(row), actor=caller.name)
    return Links(row, download, upload, row.links_expire_at)


def _by_token(db: Session, column: str, token: str) -> Signature:
    row = db.scalar(select(Signature).where(getattr(Signature, column) == _token_hash(token)))
    if row is None or row.links_expire_at is None or row.links_expire_at < utcnow():
        raise NotFound("liên kết ký", "(đã dùng hoặc hết hạn)")
    return row


def download_for_signing(db: Session, token: str) -> tuple[Signature, bytes]:
    """The PDF to sign, once: the download token is spent by this use."""
    row = _by_token(db, "download_token", token)
    current = latest_pdf(row.document, signatures_of(db, row.document_id))
    if current is None:
        raise NotFound("bản PDF để ký", row.document_id)
    row.download_token = None
    audit.record(db, "document.sign_download", "document", row.document_id, _what(row))
    return row, read_verified(current)


def accept_upload(db: Session, token: str, content: bytes, toolkit: Toolkit) -> Signature:
    """A PDF signed by the signer's own tool: kept only if it is the handed-out PDF with one
    valid, trusted signature in this step's field added; else refused with the reason and
    nothing changes (the token stays usable for a corrected upload)."""
    row = _by_token(db, "upload_token", token)
    doc = row.document
    rows = signatures_of(db, doc.id)
    if _next(db, doc).id != row.id:
        raise Conflict(["Chưa đến lượt chữ ký này"])
    current, issued = latest_pdf(doc, rows), file_of(doc, "pdf")
    assert current is not None and issued is not None
    handed_out = read_verified(current)
    if hashlib.sha256(content[: issued.size]).hexdigest() != issued.sha256:
        raise Conflict(["Tệp tải lên không phải văn bản đã ban hành: phiên bản đầu khác bản gốc"])
    try:
        reports = check_upload(handed_out, content, row.field, toolkit.roots)
    except Refused as refused:
        raise Conflict([str(refused)]) from refused
    _record(db, row, content, reports[-1], "upload", reports[-1].signer)
    return row
