"""A document: its preview (the PDF in the page), downloads, issuing, and delivery per recipient;
and the outgoing register the văn thư keeps (next numbers, numbers issued by hand, its lines
by series and campaign, page by page, and their export)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service import downloads
from service.commands import dispatch as dispatch_commands
from service.commands import documents
from service.commands import registers as register_commands
from service.commands.campaigns import get_campaign
from service.database import session as db_session
from service.errors import NotFound
from service.identity import caller, can, current_user, require
from service.mail.register import REGISTER_TYPES, Book
from service.mail.register import export as export_register
from service.mail.register import register_book as register_book_of
from service.models import Organisation, Target
from service.queries import registers as register_queries
from service.queries.directory import display_names
from service.queries.documents import document_work, versions
from service.queries.paging import page_of_list
from service.web.blueprint import web
from service.web.forms import Form
from service.web.submit import run_form, run_form_or_refuse
from service.web.views.progress import document_row
from service.web.views.signing import section as signing_section
from workflows.documents import KINDS
from workflows.vocabulary import DocumentStatus


@web.get("/documents/<int:doc_id>")
def document_page(doc_id: int) -> str:
    db = db_session()
    doc = documents.get_document(db, doc_id)
    require("document.view", doc)
    campaign = get_campaign(db, doc.campaign_id)
    target = db.get(Target, doc.target_id) if doc.target_id else None
    jobs, everyone = document_work(db, doc)
    dispatches = [d for d in everyone if can("document.view", d)]  # a district: its own
    return render_template(
        "document.html",
        doc=doc,
        kind=KINDS[doc.kind],
        campaign=campaign,
        target=target,
        row=document_row(doc, jobs),
        versions=versions(db, doc),
        dispatches=dispatches,
        resendable=lambda d: (
            d.state not in dispatch_commands.OPEN_STATES and can("dispatch.resend", d)
        ),
        can_issue=doc.status == DocumentStatus.DRAFT and can("document.issue", doc),
        can_redraft=can("document.draft", campaign) and doc.kind != "TB",
        user=current_user(),
        names=display_names(db),
        signing=signing_section(db, doc),
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


# Lines of the register shown per page (the export has them all).
REGISTER_PAGE_SIZE = 50


@dataclass(frozen=True)
class RegisterScope:
    """What the register page shows: the issuer and year, and the series and campaign it is
    narrowed to (None: all); the export of the page is of the same lines."""

    organisation: Organisation | None
    year: int
    issuers: list[Organisation]
    series: str | None
    campaign_id: int | None
    campaigns: list[tuple[int, str]]
    errors: dict[str, str]

    def args(self, **extra: Any) -> dict[str, Any]:
        """The query parameters of this scope, for links (filters kept)."""
        found = {
            "organisation_id": self.organisation.id if self.organisation else None,
            "year": self.year,
            "series": self.series,
            "campaign_id": self.campaign_id,
            **extra,
        }
        return {k: v for k, v in found.items() if v is not None}


def _register_scope(values: Any) -> RegisterScope:
    """The issuer and year the register page shows (default: the first issuer, this year); a
    series or campaign that is not one of the issuer's is refused beside its filter."""
    db = db_session()
    found = register_queries.issuers(db)
    form = Form(values)
    wanted = form.integer("organisation_id", minimum=1)
    chosen = next((o for o in found if o.id == wanted), found[0] if found else None)
    year = form.integer("year", minimum=2000, maximum=2100) or caller().today().year
    series = form.text("series", max_length=16) or None
    if series is not None and series not in register_queries.SERIES:
        form.fail("series", "Không có sổ này")
        series = None
    campaigns = register_queries.campaign_choices(db, chosen.id, year) if chosen else []
    campaign_id = form.integer("campaign_id", minimum=1)
    if campaign_id is not None and campaign_id not in {c for c, _ in campaigns}:
        form.fail("campaign_id", f"Cơ quan không có kế hoạch kiểm tra này trong năm {year}")
        campaign_id = None
    return RegisterScope(chosen, year, found, series, campaign_id, campaigns, form.errors)


def _book(scope: RegisterScope) -> Book:
    tz = ZoneInfo(current_app.config["VANTHU"].timezone)
    org_id = scope.organisation.id if scope.organisation else None
    return register_book_of(db_session(), tz, scope.campaign_id, scope.year, org_id, scope.series)


def _register_page(values: Any, status: int = 200, **forms: dict[str, Any]) -> tuple[str, int]:
    require("register.view")
    scope = _register_scope(values)
    org, year = scope.organisation, scope.year
    db = db_session()
    registers = register_queries.overview(db, org, year) if org else []
    rows = _book(scope).rows if org else []
    shown = page_of_list(rows, Form(values).integer("page", minimum=1) or 1, REGISTER_PAGE_SIZE)
    page = render_template(
        "register.html",
        scope=scope,
        organisation=org,
        year=year,
        issuers=[(o.id, o.name) for o in scope.issuers],
        registers=registers,
        entries=register_queries.entries(db, org.id, year) if org else [],
        series=[(r.series, r.series_label) for r in registers],
        labels=register_queries.SERIES,
        rows=list(enumerate(shown.items, start=shown.offset + 1)),
        page=shown,
        can_manage=can("register.manage"),
        next_form=forms.get("next_form", {"values": {}, "errors": {}}),
        entry_form=forms.get("entry_form", {"values": {}, "errors": {}}),
    )
    return page, status


@web.get("/registers")
def register_book() -> tuple[str, int]:
    """The văn thư's register page: each series' next number, the numbers issued by hand."""
    return _register_page(request.args)


@web.post("/registers/next_number")
def register_next_number() -> Response | tuple[str, int]:
    form = Form(request.form)
    data = {
        "organisation_id": form.integer("organisation_id", required=True),
        "year": form.integer("year", required=True),
        "series": form.text("series", required=True, max_length=16),
        "next_number": form.integer("next_number", required=True),
    }
    kept = run_form(form, register_commands.set_next_number, data)
    if kept is None:
        shown = {"values": request.form, "errors": form.errors}
        return _register_page(request.form, 422, next_form=shown)
    flash(f"Đã đặt số tiếp theo: {kept.last_number + 1:02d}", "success")
    return _back_to_register(data)


@web.post("/registers/entries")
def register_entry() -> Response | tuple[str, int]:
    form = Form(request.form)
    data = {
        "organisation_id": form.integer("organisation_id", required=True),
        "series": form.text("series", required=True, max_length=16),
        "number": form.integer("number", required=True),
        "code": form.text("code", required=True, max_length=64),
        "issue_date": form.date("issue_date", required=True),
        "title": form.text("title", required=True),
        "signer": form.text("signer", max_length=200),
        "recipients": form.text("recipients"),
        "keeper": form.text("keeper", max_length=200),
        "copies": form.integer("copies", minimum=0, maximum=100000),
        "notes": form.text("notes"),
    }
    entry = run_form(form, register_commands.record_entry, data)
    if entry is None:
        shown = {"values": request.form, "errors": form.errors}
        return _register_page(request.form, 422, entry_form=shown)
    flash(f"Đã ghi số {entry.reference} vào sổ", "success")
    return _back_to_register({**data, "year": entry.issue_date.year})


def _back_to_register(data: dict[str, Any]) -> Response:
    scope = {"organisation_id": data["organisation_id"], "year": data["year"]}
    return redirect(url_for("web.register_book", **scope), 303)


@web.get("/registers/export.<fmt>")
def register_export(fmt: str) -> Response:
    """The register lines the page shows (issuer, year, series, campaign), all of them, as the
    API's `GET /register` gives them."""
    require("register.view")
    if fmt not in REGISTER_TYPES:
        raise NotFound("định dạng sổ", fmt)
    book = _book(_register_scope(request.args))
    content, content_type, name = export_register(book, fmt)
    response = Response(content, content_type=content_type)
    response.headers["Content-Disposition"] = downloads.content_disposition(name)
    downloads.log_read("register.export", "register", book.year, f"{len(book.rows)} dòng, {fmt}")
    return response
