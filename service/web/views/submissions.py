"""The inspected office's page before its visit: the documents sent to it, its own report file
and its figures for the plan's indicators."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.commands import submissions
from service.database import session as db_session
from service.downloads import submission_report
from service.identity import caller, can, current_user
from service.models import DistrictSubmission, Visit
from service.queries.directory import display_names
from service.queries.documents import current_documents
from service.web.blueprint import web
from service.web.forms import Form
from service.web.submit import run_form
from service.web.views.visits import read_statistics
from workflows import indicators, statistics
from workflows.documents import KINDS
from workflows.lifecycle import Stage
from workflows.vocabulary import VisitStatus

# What the office reads before its visit: the plan, the decision and its own notice.
SENT_KINDS = ("KH", "QD", "TB")


def _page(
    db: Session,
    visit: Visit,
    found: DistrictSubmission | None,
    figures: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    campaign = visit.target.campaign
    own = indicators.parse(campaign.indicators)
    sent = [
        d
        for d in current_documents(db, current_user(), campaign)
        if d.kind in SENT_KINDS and d.target_id in (None, visit.target_id)
    ]
    return (
        render_template(
            "submission.html",
            campaign=campaign,
            visit=visit,
            target=visit.target,
            submission=found,
            names=display_names(db_session()),
            documents=sent,
            kinds=KINDS,
            figures=figures,
            errors=errors,
            fields=[(i, statistics.depth(i, own)) for i in own],
            editable=can("submission.edit", visit)
            and visit.status == VisitStatus.SCHEDULED
            and campaign.stage != Stage.ARCHIVED,
            max_mb=submissions.MAX_REPORT_BYTES // (1024 * 1024),
        ),
        status,
    )


def _figures(found: DistrictSubmission | None) -> dict[str, str]:
    return {k: str(v) for k, v in (found.statistics if found else {}).items()}


@web.get("/visits/<int:visit_id>/submission")
def submission_page(visit_id: int) -> tuple[str, int]:
    db = db_session()
    visit, found = submissions.submission_of(db, caller(), visit_id)
    return _page(db, visit, found, _figures(found), {})


def _refused(visit_id: int, form: Form, figures: dict[str, str] | None = None) -> Any:
    flash("Chưa lưu: vui lòng sửa các mục được đánh dấu", "error")
    db = db_session()
    visit, found = submissions.submission_of(db, caller(), visit_id)
    shown = _figures(found) if figures is None else figures
    return _page(db, visit, found, shown, form.errors, form.status)


@web.post("/visits/<int:visit_id>/submission/statistics")
def submission_figures(visit_id: int) -> Any:
    form = Form(request.form)
    visit, _found = submissions.submission_of(db_session(), caller(), visit_id)
    typed, given = read_statistics(form, visit.target.campaign)
    if run_form(form, submissions.submit_figures, visit_id, given) is not None:
        flash("Đã gửi số liệu của đơn vị cho đoàn kiểm tra", "success")
        return redirect(url_for("web.submission_page", visit_id=visit_id), 303)
    return _refused(visit_id, form, typed)


@web.post("/visits/<int:visit_id>/submission/report")
def submission_upload(visit_id: int) -> Any:
    form = Form(request.form)
    upload = request.files.get("report")
    name, content = (upload.filename or "", upload.read()) if upload else ("", b"")
    if run_form(form, submissions.upload_report, visit_id, name, content) is not None:
        flash("Đã gửi báo cáo của đơn vị cho đoàn kiểm tra", "success")
        return redirect(url_for("web.submission_page", visit_id=visit_id), 303)
    return _refused(visit_id, form)


@web.get("/visits/<int:visit_id>/submission/report")
def submission_report_file(visit_id: int) -> Response:
    return submission_report(submissions.report_file(db_session(), caller(), visit_id))
