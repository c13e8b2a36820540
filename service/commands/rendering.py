"""The work behind render and convert jobs: read, work outside any transaction, store.

Both are idempotent: an issued document's DOCX, once stored, is never rewritten, and a PDF is
keyed by the DOCX it came from.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, time

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from service import jobs
from service.commands import dispatch, signing
from service.commands.documents import get_document
from service.database import transaction
from service.documents.libreoffice import Converter
from service.documents.render import TemplateError, UnreadableTemplate, render_docx
from service.documents.store import file_of, put_file, read_verified, template_bytes
from service.models import Campaign, Document, Job, Organisation
from service.runner import PermanentError, record_done
from workflows import titles
from workflows.documents import KINDS
from workflows.docx_properties import DocxProperties, with_properties
from workflows.vocabulary import DocumentStatus, JobKind

log = logging.getLogger(__name__)

NO_LIBREOFFICE = "LibreOffice không khả dụng: văn bản chỉ có bản DOCX"
RENDER_FAILED = "Không dựng được văn bản từ mẫu"


def _document(db: Session, document_id: int) -> Document:
    """The document with its files, read in one query: every step of its jobs looks at both."""
    doc = db.get(
        Document, document_id, options=[joinedload(Document.files)], populate_existing=True
    )
    return doc if doc is not None else get_document(db, document_id)  # its NotFound


def render(document_id: int) -> None:
    with transaction() as db:
        doc = _document(db, document_id)
        if doc.status != DocumentStatus.DRAFT and file_of(doc, "docx") is not None:
            return
        template = template_bytes(db, doc.template_id, doc.kind)
        context, context_status = doc.context, doc.status
        properties = properties_of(db, doc)
    try:
        content = with_properties(render_docx(template, context), properties)
    except UnreadableTemplate:  # an accepted template that would not open this once: retried
        log.warning("document %s: template would not open", document_id, exc_info=True)
        raise
    except TemplateError as error:  # the same template and data would fail the same way again
        raise PermanentError(f"{RENDER_FAILED}: {error}") from error
    with transaction() as db:
        doc = _document(db, document_id)
        if doc.status != context_status or (
            doc.status != DocumentStatus.DRAFT and file_of(doc, "docx")
        ):
            return  # issued meanwhile, or another worker stored it first
        stored = put_file(db, doc, "docx", content)
        jobs.withdraw(db, JobKind.CONVERT, doc.id)  # a queued convert of the replaced draft DOCX
        jobs.enqueue_for(db, JobKind.CONVERT, doc, stored.sha256[:16])
        record_done(db)  # the DOCX, the next step and the job's end commit as one


def properties_of(db: Session, doc: Document) -> DocxProperties:
    """What the DOCX (and the PDF made from it) says it is: the document's own title, number
    and date, its campaign's programme and its issuer; nothing the template brings."""
    campaign, issuer = db.execute(  # one query for the two
        select(Campaign, Organisation)
        .join(Organisation, Organisation.id == doc.issuer_id)
        .where(Campaign.id == doc.campaign_id)
    ).one()
    kind = KINDS[doc.kind]
    type_name = kind.type_name.capitalize()
    programme = campaign.programme or titles.subject(campaign.title)
    return DocxProperties(
        title=doc.title,
        subject=programme[:1].upper() + programme[1:],
        # Minutes are issued by the inspection team in its own name, under the agency.
        creator=titles.team_name(campaign.title) if kind.issued_by_team else issuer.name,
        company=issuer.name,
        identifier=doc.reference or doc.code,
        category=type_name,
        status="Dự thảo" if doc.status == DocumentStatus.DRAFT else "Đã ban hành",
        # A draft has no issue date: the time it was drafted, fixed for the row.
        created=datetime.combine(doc.issue_date, time()) if doc.issue_date else doc.created_at,
    )


def convert(document_id: int, docx_to_pdf: Converter | None, signing_on: bool = False) -> None:
    """Make the PDF of the current DOCX; without LibreOffice, say so on the document. With
    signing on, the PDF is signed before it is mailed (commands.signing)."""
    with transaction() as db:
        doc = _document(db, document_id)
        docx = file_of(doc, "docx")
        if docx is None:
            return  # a draft's convert outlived its DOCX at issue; the issued render enqueues one
        if docx_to_pdf is None:
            doc.pdf_note = NO_LIBREOFFICE
            dispatch.document_ready(db, doc)  # the DOCX alone is final: mail it
            return
        source, source_sha = read_verified(docx), docx.sha256
    pdf = docx_to_pdf(source)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    with transaction() as db:
        doc = _document(db, document_id)
        current = file_of(doc, "docx")
        if current is None or current.sha256 != source_sha:
            return  # a newer draft replaced the DOCX; its own job converts it
        put_file(db, doc, "pdf", pdf, page_count=pages)
        doc.pdf_note = ""
        signing.pdf_ready(db, doc, signing_on)  # final: signed first, or mailed now (once)
        record_done(db)


def conversion_given_up(db: Session, job: Job) -> None:
    """The PDF could not be made after every attempt: say so on the document, and mail the DOCX
    alone rather than nothing."""
    doc = get_document(db, int(job.document_id or 0))
    if file_of(doc, "pdf") is not None or file_of(doc, "docx") is None:
        return
    doc.pdf_note = f"Không tạo được bản PDF sau {job.attempts} lần thử: {job.last_error}"[:2000]
    dispatch.document_ready(db, doc)
