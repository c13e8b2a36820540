"""A document: its preview (the PDF in the page), downloads, issuing, and delivery per recipient."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service import downloads
from service.commands import dispatch as dispatch_commands
from service.commands import documents
from service.commands.campaigns import get_campaign
from service.database import session as db_session
from service.identity import can, current_user, require
from service.models import Target
from service.queries.directory import display_names
from service.queries.documents import document_work, versions
from service.web.blueprint import web
from service.web.forms import Form
from service.web.submit import run_form_or_refuse
from service.web.views.progress import document_row
from workflows.documents import KINDS
from workflows.vocabulary import DocumentStatus


@web.get("/documents/<int:doc_id>")
def document_page(doc_id: int) -> str:
    db = db_session()
    doc = documents.get_document(db, doc_id)
    require("document.view", doc)
    campaign = get_campaign(db, doc.campaign_id)
    target = db.get(Target, doc.target_id) if doc.target_id else None
    jobs, dispatches = document_work(db, doc)
    return render_template(
        "document.html",
        doc=doc,
        kind=KINDS[doc.kind],
        campaign=campaign,
        target=target,
        row=document_row(doc, jobs, {target.id: target} if target else {}),
        versions=versions(db, doc),
        dispatches=dispatches,
        resendable=lambda d: (
            d.state not in dispatch_commands.OPEN_STATES and can("dispatch.resend", d)
        ),
        can_issue=doc.status == DocumentStatus.DRAFT and can("document.issue", doc),
        can_redraft=can("document.draft", campaign) and doc.kind != "TB",
        user=current_user(),
        names=display_names(db),
    )


@web.get("/documents/<int:doc_id>/files/<fmt>")
def document_file(doc_id: int, fmt: str) -> Response:
    """The stored DOCX or PDF; `?inline=1` shows a PDF in the page instead of downloading it."""
    doc = documents.get_document(db_session(), doc_id)
    require("document.view", doc)
    return downloads.document_file(doc, fmt, inline=bool(request.args.get("inline")))


@web.post("/documents/<int:doc_id>/issue")
def document_issue(doc_id: int) -> Response:
    """The leader issues a reviewed draft: number and date from the register, final render."""
    form = Form(request.form)
    issue_date = form.date("issue_date")
    reference = run_form_or_refuse(form, documents.issue, doc_id, issue_date).reference
    flash(f"Đã ban hành văn bản số {reference}", "success")
    return redirect(url_for("web.document_page", doc_id=doc_id), 303)


@web.post("/documents/<int:doc_id>/redraft")
def document_redraft(doc_id: int) -> Response:
    """Refresh a draft from the current data, or start the next version of an issued document."""
    new_id = run_form_or_refuse(Form(request.form), documents.redraft, doc_id).id
    flash("Đã tạo lại dự thảo từ dữ liệu hiện tại", "success")
    return redirect(url_for("web.document_page", doc_id=new_id), 303)


@web.post("/dispatches/<int:dispatch_id>/resend")
def dispatch_resend(dispatch_id: int) -> Response:
    """Send a document to one recipient again (a failed e-mail, or one the recipient lost)."""
    dispatch = run_form_or_refuse(Form(request.form), dispatch_commands.resend, dispatch_id)
    flash(f"Đã xếp lịch gửi lại tới {dispatch.address}", "success")
    return redirect(url_for("web.document_page", doc_id=dispatch.document_id), 303)
