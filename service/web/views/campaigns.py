"""Campaign list, the campaign page (lifecycle timeline), the plan, target, team, report forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.commands import actions, documents
from service.commands import campaigns as commands
from service.database import session as db_session
from service.identity import can, current_user, require
from service.models import Campaign, LifecycleEvent
from service.queries import directory
from service.queries.campaigns import visible_campaigns, visible_targets
from service.queries.documents import current_draft, minutes_by_visit
from service.queries.representations import lifecycle_seen
from service.queries.statistics import campaign_statistics
from service.web.blueprint import web
from service.web.formatting import REPORT_SECTIONS
from service.web.forms import Form
from service.web.submit import run_form, run_form_or_refuse
from service.web.views.progress import campaign_progress
from workflows import lifecycle, statistics
from workflows.documents import KINDS
from workflows.vocabulary import OrganisationKind, StageProgress, TeamRole, plan_fields

LIST_FIELDS = plan_fields("lines")
TEXT_FIELDS = plan_fields("text")


def load(db: Session, campaign_id: int, action: str = "campaign.view") -> Campaign:
    campaign = commands.get_campaign(db, campaign_id)
    require(action, campaign)
    return campaign


@web.get("/")
def campaigns() -> str:
    return _campaigns_page(db_session(), {}, {})


def _campaigns_page(db: Session, values: dict[str, Any], errors: dict[str, str]) -> str:
    """The campaigns the user may see, and the new-campaign form for those who may create."""
    return render_template(
        "campaigns.html",
        campaigns=visible_campaigns(db, current_user()),
        stage_labels=lifecycle.STAGE_LABELS,
        new=_new_campaign_choices(db) if can("campaign.create") else None,
        values=values,
        errors=errors,
    )


def _choices(db: Session, kind: OrganisationKind) -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in directory.organisations(db, kind)]


def _new_campaign_choices(db: Session) -> dict[str, Any]:
    return {
        "issuers": _choices(db, OrganisationKind.ISSUER),
        "signers": directory.signer_choices(db),
    }


@web.post("/campaigns")
def campaign_create() -> Any:
    form = Form(request.form)
    values = {
        "title": form.text("title", required=True, max_length=1000),
        "year": form.integer("year", required=True, minimum=2000, maximum=2100),
        "issuer_id": form.integer("issuer_id", required=True),
        "signer_id": form.integer("signer_id"),
    }
    campaign = run_form(form, commands.create, values)
    if campaign is not None:
        flash("Đã tạo kế hoạch mới; hãy nhập các nội dung của kế hoạch", "success")
        return redirect(url_for("web.plan_form", campaign_id=campaign.id), 303)
    return _campaigns_page(db_session(), values, form.errors), 422


def timeline(campaign: Campaign, events: list[LifecycleEvent]) -> list[dict[str, Any]]:
    """Every stage in order: done (or passed over), current or to come, with its events."""
    current = lifecycle.ORDER.index(lifecycle.Stage(campaign.stage))
    steps = []
    for i, stage in enumerate(lifecycle.ORDER):
        reached = [e for e in events if e.to_stage == stage.value]
        if i == current:
            state = StageProgress.CURRENT
        elif i > current:
            state = StageProgress.TODO
        elif i > 0 and not reached:
            state = StageProgress.SKIPPED  # an optional step (the team decision) not taken
        else:
            state = StageProgress.DONE
        steps.append({"label": lifecycle.STAGE_LABELS[stage], "state": state, "events": reached})
    return steps


@web.get("/campaigns/<int:campaign_id>")
def campaign_page(campaign_id: int) -> str:
    db = db_session()
    campaign = load(db, campaign_id)
    user = current_user()
    summary = lifecycle_seen(db, user, campaign)
    drafts = {
        s.document_kind: current_draft(db, campaign, s.document_kind)
        for s in summary.next_steps
        if s.document_kind in ("KH", "QD", "BC")
    }
    return render_template(
        "campaign.html",
        campaign=campaign,
        stage_label=summary.stage_label,
        timeline=timeline(campaign, summary.events),
        events=summary.events,
        steps=summary.next_steps,
        drafts=drafts,
        names=directory.display_names(db),
        targets=visible_targets(db, user, campaign),
        minutes=minutes_by_visit(db, campaign),
        progress=campaign_progress(db, user, campaign),
        kinds=KINDS,
    )


@web.post("/campaigns/<int:campaign_id>/documents")
def document_draft(campaign_id: int) -> Response:
    """Generate (or refresh) a draft; the worker renders it and the page shows the progress."""
    form = Form(request.form)
    kind = form.text("kind")
    visit_id = form.integer("visit_id")
    doc_id = run_form_or_refuse(form, documents.draft, campaign_id, kind, visit_id=visit_id).id
    flash("Đã tạo dự thảo; văn bản đang được dựng", "success")
    return redirect(url_for("web.document_page", doc_id=doc_id), 303)


@web.post("/campaigns/<int:campaign_id>/actions/<action>")
def campaign_action(campaign_id: int, action: str) -> Response:
    """Any step of the action table: announce the schedule, build the case file, close it…"""
    form = Form(request.form)
    step = actions.Step(
        issue_date=form.date("issue_date"), reason=form.text("reason", max_length=2000)
    )
    done = run_form_or_refuse(form, actions.perform, campaign_id, action, step)
    flash(done.done, "success")
    return redirect(url_for("web.campaign_page", campaign_id=campaign_id), 303)


# --- the plan, targets and team forms -------------------------------------------------------


@dataclass(frozen=True)
class CampaignForm:
    """A form of the campaign (its plan, targets or team): the page, with the choices it offers,
    shown afresh by GET and again with what was submitted when the POST at its address fails."""

    template: str
    choices: Callable[[Session, Campaign], dict[str, Any]]
    values_as: str = "values"  # the name the template reads the form's values under

    def page(
        self, db: Session, campaign: Campaign, values: dict[str, Any], errors: dict[str, str]
    ) -> str:
        context = {self.values_as: values, **self.choices(db, campaign)}
        return render_template(self.template, campaign=campaign, errors=errors, **context)

    def answer(
        self,
        form: Form,
        saved: bool,
        campaign_id: int,
        values: dict[str, Any],
        done: str,
        refused: str = "",
    ) -> Any:
        """Once saved, `done` and the page afresh (GET at the same address); else the page with
        the submitted values and the messages (and `refused`, if any), answering 422."""
        if saved:
            flash(done, "success")
            return redirect(request.path, 303)
        db = db_session()
        campaign = load(db, campaign_id, "campaign.edit")
        if refused:
            flash(refused, "error")
        return self.page(db, campaign, values, form.errors), 422


PLAN = CampaignForm(
    "plan.html",
    lambda db, campaign: {
        "signers": directory.signer_choices(db),
        "units": _choices(db, OrganisationKind.UNIT),
        "editable": can("campaign.edit", campaign),
    },
    values_as="plan",
)
TARGETS = CampaignForm(
    "targets.html",
    lambda db, campaign: {
        "offices": directory.district_offices(
            db, excluding={t.office_id for t in campaign.targets}
        ),
        "communes": directory.communes_by_district(db),
    },
)
TEAM = CampaignForm(
    "team.html", lambda db, campaign: {"people": directory.people_outside(db, campaign)}
)


def plan_values(campaign: Campaign) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(campaign, name)
        for name in (*LIST_FIELDS, *TEXT_FIELDS, "title", "year", "contact_phone")
    }
    values["contents"] = [dict(area) for area in campaign.contents]
    values["signer_id"] = campaign.signer_id
    values["unit_id"] = campaign.unit_id
    return values


def read_plan(form: Form) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": form.text("title", required=True, max_length=1000),
        "year": form.integer("year", required=True, minimum=2000, maximum=2100),
        "contact_phone": form.text("contact_phone", max_length=40),
        "signer_id": form.integer("signer_id"),
        "unit_id": form.integer("unit_id"),
    }
    for name in LIST_FIELDS:
        values[name] = form.lines(name)
    for name in TEXT_FIELDS:
        values[name] = form.text(name)
    values["contents"] = read_contents(form)
    return values


def read_contents(form: Form) -> list[dict[str, Any]]:
    """The inspection areas: number, title, run-in heading, paragraphs; blank areas dropped."""
    count = form.integer("contents_count", minimum=0, maximum=50) or 0
    areas: list[dict[str, Any]] = []
    for i in range(count):
        prefix = f"contents-{i}-"
        title = form.text(prefix + "title", max_length=500)
        paragraphs = form.lines(prefix + "paragraphs")
        number = form.integer(prefix + "number", minimum=1, maximum=99)
        if not title and not paragraphs:
            continue
        if not title:
            form.fail(prefix + "title", "Cần nhập tên nội dung kiểm tra")
        areas.append(
            {
                "number": number if number is not None else len(areas) + 1,
                "title": title,
                "run_in": form.checked(prefix + "run_in"),
                "paragraphs": paragraphs,
            }
        )
    return areas


@web.get("/campaigns/<int:campaign_id>/plan")
def plan_form(campaign_id: int) -> str:
    db = db_session()
    campaign = load(db, campaign_id, "campaign.edit")
    return PLAN.page(db, campaign, plan_values(campaign), {})


@web.post("/campaigns/<int:campaign_id>/plan")
def plan_save(campaign_id: int) -> Any:
    form = Form(request.form)
    values = read_plan(form)
    saved = run_form(form, commands.update, campaign_id, values) is not None
    refused = "Chưa lưu: vui lòng sửa các mục được đánh dấu"
    return PLAN.answer(form, saved, campaign_id, values, "Đã lưu kế hoạch", refused)


@web.get("/campaigns/<int:campaign_id>/targets")
def targets_form(campaign_id: int) -> str:
    db = db_session()
    return TARGETS.page(db, load(db, campaign_id, "campaign.edit"), {}, {})


@web.post("/campaigns/<int:campaign_id>/targets")
def target_add(campaign_id: int) -> Any:
    form = Form(request.form)
    office_id = form.integer("office_id", required=True)
    commune_id = form.integer("commune_id")
    values = {"office_id": office_id, "commune_id": commune_id}
    saved = office_id is not None and (
        run_form(form, commands.add_target, campaign_id, office_id, commune_id) is not None
    )
    return TARGETS.answer(form, saved, campaign_id, values, "Đã thêm đơn vị được kiểm tra")


@web.get("/campaigns/<int:campaign_id>/team")
def team_form(campaign_id: int) -> str:
    db = db_session()
    return TEAM.page(db, load(db, campaign_id, "campaign.edit"), {"role": TeamRole.MEMBER}, {})


@web.post("/campaigns/<int:campaign_id>/team")
def member_add(campaign_id: int) -> Any:
    form = Form(request.form)
    person_id, role = form.integer("person_id", required=True), form.text("role")
    values = {"person_id": person_id, "role": role}
    saved = person_id is not None and (
        run_form(form, commands.add_member, campaign_id, person_id, role) is not None
    )
    return TEAM.answer(form, saved, campaign_id, values, "Đã thêm thành viên Đoàn kiểm tra")


# --- the summary report ---------------------------------------------------------------------


def _report_page(campaign: Campaign, sections: dict[str, list[str]], status: int = 200) -> Any:
    db = db_session()
    figures = campaign_statistics(db, campaign)
    return (
        render_template(
            "report.html",
            campaign=campaign,
            sections=sections,
            section_labels=REPORT_SECTIONS,
            fields=statistics.FIELDS,
            rows=figures.rows,
            totals=figures.totals,
            draft=current_draft(db, campaign, "BC"),
        ),
        status,
    )


@web.get("/campaigns/<int:campaign_id>/report")
def report_form(campaign_id: int) -> Any:
    campaign = load(db_session(), campaign_id, "campaign.edit")
    return _report_page(campaign, campaign.report_sections or {})


@web.post("/campaigns/<int:campaign_id>/report")
def report_save(campaign_id: int) -> Response:
    form = Form(request.form)
    sections = {key: form.lines(f"report-{key}") for key in REPORT_SECTIONS}
    run_form_or_refuse(form, commands.update, campaign_id, {"report_sections": sections})
    flash("Đã lưu nội dung báo cáo", "success")
    return redirect(url_for("web.report_form", campaign_id=campaign_id), 303)
