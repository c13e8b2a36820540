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
from service.models import Campaign, LifecycleEvent, Target, User
from service.queries import directory
from service.queries.campaigns import (
    campaign_choices,
    campaign_years,
    campaigns_query,
    target_counts,
    targets_query,
)
from service.queries.documents import current_draft, minutes_by_visit
from service.queries.paging import page_of
from service.queries.representations import lifecycle_seen
from service.queries.statistics import campaign_statistics
from service.web.blueprint import web
from service.web.formatting import REPORT_SECTIONS
from service.web.forms import Form
from service.web.paging import asked_page, asked_search
from service.web.submit import run_form, run_form_or_refuse
from service.web.views.progress import DocumentsShown, campaign_progress
from workflows import indicators, inspection, lifecycle, presets
from workflows.documents import KINDS
from workflows.vocabulary import (
    DocumentStatus,
    OrganisationKind,
    StageProgress,
    TeamRole,
    plan_fields,
)

LIST_FIELDS = plan_fields("lines")
TEXT_FIELDS = plan_fields("text")
# The inspection the plan defines, besides its contents and indicators (edited as rows).
INSPECTION_FIELDS = tuple(inspection.INSPECTION_FIELDS)
# A part's rule against its parent, as the plan form offers it.
INDICATOR_RULES = (("at_most", "Không vượt chỉ tiêu cha"), ("sum", "Cộng lại bằng chỉ tiêu cha"))
PLAN_LIMITS = {
    "title": inspection.MAX_LINE,
    "text": inspection.MAX_TEXT,
    "items": inspection.MAX_LINES,
    "group": indicators.MAX_GROUP,
    "line": inspection.MAX_NAME,
    "content_title": inspection.MAX_CONTENT_TITLE,
    "key": 64,  # as `indicators.KEY` allows
    "label": indicators.MAX_LABEL,
    "short_label": indicators.MAX_SHORT_LABEL,
}


CAMPAIGNS_PER_PAGE = 20
TARGETS_PER_PAGE = 50


def load(db: Session, campaign_id: int, action: str = "campaign.view") -> Campaign:
    campaign = commands.get_campaign(db, campaign_id)
    require(action, campaign)
    return campaign


@web.get("/")
def campaigns() -> str:
    return _campaigns_page(db_session(), {}, {})


def _campaigns_page(db: Session, values: dict[str, Any], errors: dict[str, str]) -> str:
    """A page of the campaigns the user may see (of a year, by title), and the new-campaign
    form for those who may create."""
    user = current_user()
    years = campaign_years(db, user)
    year = request.args.get("year", type=int)
    year = year if year in years else None
    search = asked_search()
    page = page_of(db, campaigns_query(user, year, search), asked_page(), CAMPAIGNS_PER_PAGE)
    return render_template(
        "campaigns.html",
        campaigns=page,
        counts=target_counts(db, user, page.items),
        years=years,
        filters={"year": year, "q": search},
        stage_labels=lifecycle.STAGE_LABELS,
        new=_new_campaign_choices(db, user) if can("campaign.create") else None,
        values=values,
        errors=errors,
    )


def _choices(db: Session, kind: OrganisationKind) -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in directory.organisations(db, kind)]


def _new_campaign_choices(db: Session, user: User) -> dict[str, Any]:
    """Who issues and signs, and what a new campaign may start from: a preset or one seen."""
    return {
        "issuers": _choices(db, OrganisationKind.ISSUER),
        "signers": directory.signer_choices(db),
        "presets": [(p.slug, p.name, p.description) for p in presets.list_presets()],
        "earlier": campaign_choices(db, user),
    }


# How a new campaign starts: empty, from a programme preset, or as a copy of an earlier one.
STARTS = ("empty", "preset", "copy")


def read_new_campaign(form: Form) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": form.text("title", required=True, max_length=1000),
        "year": form.integer("year", required=True, minimum=2000, maximum=2100),
        "issuer_id": form.integer("issuer_id", required=True),
        "signer_id": form.integer("signer_id"),
    }
    start = form.text("start") or "empty"
    if start not in STARTS:
        form.fail("start", "Chọn cách bắt đầu kế hoạch")
    elif start == "preset":
        values["preset"] = form.text("preset", required=True, max_length=200)
    elif start == "copy":
        values["copy_from"] = form.integer("copy_from", required=True, minimum=1)
    return {**values, "start": start}


@web.post("/campaigns")
def campaign_create() -> Any:
    form = Form(request.form)
    values = read_new_campaign(form)
    # What is not chosen is left out: a copy keeps the earlier campaign's signer.
    data = {k: v for k, v in values.items() if k != "start" and v is not None}
    campaign = run_form(form, commands.create, data)
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
    shown = DocumentsShown.asked()
    search = asked_search()
    targets = page_of(
        db, targets_query(user, campaign, search), asked_page("units"), TARGETS_PER_PAGE
    )
    return render_template(
        "campaign.html",
        campaign=campaign,
        stage_label=summary.stage_label,
        timeline=timeline(campaign, summary.events),
        events=summary.events,
        steps=summary.next_steps,
        drafts=drafts,
        names=directory.display_names(db),
        targets=targets,
        search=search,
        minutes=minutes_by_visit(db, campaign, [t.visit for t in targets.items if t.visit]),
        progress=campaign_progress(db, user, campaign, shown),
        shown=shown,
        kinds=KINDS,
        statuses=DocumentStatus.labels(),
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
        issue_date=form.date("issue_date"),
        reason=form.text("reason", max_length=2000),
        confirm_non_working_days=form.checked("confirm_non_working_days"),
    )
    done = run_form_or_refuse(form, actions.perform, campaign_id, action, step)
    flash(done.done, "success")
    return redirect(url_for("web.campaign_page", campaign_id=campaign_id), 303)


# --- the plan, targets and team forms -------------------------------------------------------


@dataclass(frozen=True)
class CampaignForm:
    """A form of the campaign (its plan, team or report): the page, with the choices it
    offers, shown afresh by GET and again with what was submitted when the POST at its address
    fails."""

    template: str
    choices: Callable[[Session, Campaign], dict[str, Any]]
    values_as: str = "values"  # the name the template reads the form's values under

    def page(
        self,
        db: Session,
        campaign: Campaign,
        values: dict[str, Any],
        errors: dict[str, str],
        version: int | None = None,
    ) -> str:
        """The page; an edit form in it carries `version` (by default the campaign's own)."""
        context = {self.values_as: values, **self.choices(db, campaign)}
        shown = campaign.version if version is None else version
        return render_template(
            self.template, campaign=campaign, errors=errors, version=shown, **context
        )

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
        the submitted values and the messages (and `refused`, if any, unless the campaign changed
        since the form was shown), answering 422 (409)."""
        if saved:
            flash(done, "success")
            return redirect(request.path, 303)
        db = db_session()
        campaign = load(db, campaign_id, "campaign.edit")
        if refused and form.stale is None:
            flash(refused, "error")
        return self.page(db, campaign, values, form.errors, form.shown_version()), form.status


PLAN = CampaignForm(
    "plan.html",
    lambda db, campaign: {
        "signers": directory.signer_choices(db),
        "units": _choices(db, OrganisationKind.UNIT),
        "editable": can("campaign.edit", campaign),
        "rules": INDICATOR_RULES,
        "limits": PLAN_LIMITS,
    },
    values_as="plan",
)
TEAM = CampaignForm(
    "team.html",
    lambda db, campaign: {
        "people": directory.people_outside(db, campaign),
        "closed": campaign.stage == lifecycle.Stage.ARCHIVED,
    },
)


def _report_choices(db: Session, campaign: Campaign) -> dict[str, Any]:
    figures = campaign_statistics(db, campaign)
    return {
        "section_labels": REPORT_SECTIONS,
        "fields": figures.indicators,
        "rows": figures.rows,
        "totals": figures.totals,
        "draft": current_draft(db, campaign, "BC"),
    }


REPORT = CampaignForm("report.html", _report_choices, values_as="sections")


def plan_values(campaign: Campaign) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(campaign, name)
        for name in (
            *LIST_FIELDS,
            *TEXT_FIELDS,
            *INSPECTION_FIELDS,
            "title",
            "year",
            "contact_phone",
        )
    }
    values["contents"] = [dict(area) for area in campaign.contents]
    values["indicators"] = [i.to_dict() for i in indicators.parse(campaign.indicators)]
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
        "programme": form.text("programme", max_length=inspection.MAX_NAME),
        "sub_unit_label": form.text("sub_unit_label", max_length=inspection.MAX_NAME),
    }
    for name in (*LIST_FIELDS, "preparation", "report_recipients"):
        values[name] = form.lines(name)
    for name in TEXT_FIELDS:
        values[name] = form.text(name)
    values["contents"] = read_contents(form)
    values["indicators"] = read_indicators(form)
    return values


def _kept_rows(form: Form, name: str, kept: list[int]) -> None:
    """Rows of a repeated group are named `<name>.<n>.<field>` by their place in the form; once
    blank rows are dropped, messages move to the row's place in the list, as the command names
    them and the page shows the rows again."""
    moved: dict[str, str] = {}
    for key, message in form.errors.items():
        parts = key.split(".", 2)
        if len(parts) == 3 and parts[0] == name and parts[1].isdigit():
            if int(parts[1]) in kept:
                moved[f"{name}.{kept.index(int(parts[1]))}.{parts[2]}"] = message
        else:
            moved[key] = message
    form.errors = moved


def _row_count(form: Form, name: str, limit: int) -> int:
    """How many rows the form has (with the blank one to add from, when there is no script)."""
    return form.integer(f"{name}_count", minimum=0, maximum=limit + 1) or 0


def read_contents(form: Form) -> list[dict[str, Any]]:
    """The inspection areas: number, title, run-in heading, paragraphs; blank areas dropped."""
    areas: list[dict[str, Any]] = []
    kept: list[int] = []
    for i in range(_row_count(form, "contents", inspection.MAX_CONTENTS)):
        prefix = f"contents.{i}."
        title = form.text(prefix + "title", max_length=inspection.MAX_CONTENT_TITLE)
        paragraphs = form.lines(prefix + "paragraphs")
        number = form.integer(prefix + "number", minimum=1, maximum=99)
        if not title and not paragraphs:
            continue
        if not title:
            form.fail(prefix + "title", "Cần nhập tên nội dung kiểm tra")
        kept.append(i)
        areas.append(
            {
                "number": number if number is not None else len(areas) + 1,
                "title": title,
                "run_in": form.checked(prefix + "run_in"),
                "paragraphs": paragraphs,
            }
        )
    _kept_rows(form, "contents", kept)
    return areas


def read_indicators(form: Form) -> list[dict[str, Any]]:
    """The figures each visit collects, one table row each; blank rows dropped. A part's rule
    is kept only under a parent; the command checks keys, lengths, parents and loops, so that
    every row's messages come at once."""
    rows: list[dict[str, Any]] = []
    kept: list[int] = []
    for i in range(_row_count(form, "indicators", indicators.MAX_INDICATORS)):
        prefix = f"indicators.{i}."
        key, label = form.text(prefix + "key"), form.text(prefix + "label")
        short_label = form.text(prefix + "short_label")
        if not key and not label and not short_label:
            continue
        parent = form.text(prefix + "parent") or None
        kept.append(i)
        rows.append(
            indicators.Indicator(
                key=key,
                label=label,
                short_label=short_label,
                parent=parent,
                rule=(form.text(prefix + "rule") or "at_most") if parent else None,
                group=form.text(prefix + "group", max_length=64) if parent else "",
            ).to_dict()
        )
    _kept_rows(form, "indicators", kept)
    return rows


@web.get("/campaigns/<int:campaign_id>/plan")
def plan_form(campaign_id: int) -> str:
    db = db_session()
    campaign = load(db, campaign_id, "campaign.edit")
    return PLAN.page(db, campaign, plan_values(campaign), {})


@web.post("/campaigns/<int:campaign_id>/plan")
def plan_save(campaign_id: int) -> Any:
    form = Form(request.form)
    values = read_plan(form)
    saved = (
        run_form(form, commands.update, campaign_id, values, expected_version=form.version())
        is not None
    )
    refused = "Chưa lưu: vui lòng sửa các mục được đánh dấu"
    return PLAN.answer(form, saved, campaign_id, values, "Đã lưu kế hoạch", refused)


def _targets_page(
    db: Session,
    campaign: Campaign,
    values: dict[str, Any],
    errors: dict[str, str],
    editing: Target | None = None,
    version: int | None = None,
) -> str:
    """The targets, and the form adding one, or with `editing` the form changing that one (on
    `version`, by default its own) with the offices it may change to."""
    taken = {t.office_id for t in campaign.targets if t is not editing}
    offices = directory.district_offices(db, excluding=taken)
    if editing is not None and editing.office not in offices:  # since deactivated: kept
        offices.insert(0, editing.office)
    return render_template(
        "targets.html",
        campaign=campaign,
        targets=page_of(
            db, targets_query(current_user(), campaign), asked_page(), TARGETS_PER_PAGE
        ),
        editing=editing,
        version=editing.version if editing is not None and version is None else version,
        offices=offices,
        communes=directory.communes_by_district(db),
        values=values,
        errors=errors,
        closed=campaign.stage == lifecycle.Stage.ARCHIVED,
    )


def _refused_target(
    form: Form, campaign_id: int, target_id: int | None, values: dict[str, Any]
) -> tuple[str, int]:
    """The targets page again with what was typed and the messages, answering 422 (409)."""
    db = db_session()
    campaign = load(db, campaign_id, "campaign.edit")
    editing = commands.get_part(db, campaign, Target, target_id) if target_id else None
    page = _targets_page(db, campaign, values, form.errors, editing, form.shown_version())
    return page, form.status


def _read_target(form: Form) -> dict[str, Any]:
    return {
        "office_id": form.integer("office_id", required=True),
        "commune_id": form.integer("commune_id"),
    }


@web.get("/campaigns/<int:campaign_id>/targets")
def targets_form(campaign_id: int) -> str:
    db = db_session()
    return _targets_page(db, load(db, campaign_id, "campaign.edit"), {}, {})


@web.post("/campaigns/<int:campaign_id>/targets")
def target_add(campaign_id: int) -> Any:
    form = Form(request.form)
    values = _read_target(form)
    if run_form(form, commands.add_target, campaign_id, **values) is None:
        return _refused_target(form, campaign_id, None, values)
    flash("Đã thêm đơn vị được kiểm tra", "success")
    return redirect(request.path, 303)


@web.get("/campaigns/<int:campaign_id>/targets/<int:target_id>")
def target_form(campaign_id: int, target_id: int) -> str:
    db = db_session()
    campaign = load(db, campaign_id, "campaign.edit")
    target = commands.get_part(db, campaign, Target, target_id)
    values = {"office_id": target.office_id, "commune_id": target.commune_id}
    return _targets_page(db, campaign, values, {}, target)


@web.post("/campaigns/<int:campaign_id>/targets/<int:target_id>")
def target_save(campaign_id: int, target_id: int) -> Any:
    """Change the office or choose the commune; a refusal shows the form again as typed."""
    form = Form(request.form)
    values = _read_target(form)
    saved = run_form(form, commands.update_target, campaign_id, target_id, values, form.version())
    if saved is None:
        return _refused_target(form, campaign_id, target_id, values)
    flash(f"Đã lưu {saved.office.name}", "success")
    return redirect(url_for("web.targets_form", campaign_id=campaign_id), 303)


@web.post("/campaigns/<int:campaign_id>/targets/<int:target_id>/delete")
def target_remove(campaign_id: int, target_id: int) -> Response:
    """Refused (flashed, with the reason) once the visit or a document names the target."""
    form = Form(request.form)
    run_form_or_refuse(form, commands.remove_target, campaign_id, target_id, form.version())
    flash("Đã xóa đơn vị khỏi kế hoạch", "success")
    return redirect(url_for("web.targets_form", campaign_id=campaign_id), 303)


def _team_page(db: Session, campaign_id: int, values: dict[str, Any], form: Form) -> Any:
    """The team page again with what was typed, the messages by the form sent (a member's row
    when `values` names `member_id`), answering 422 (409)."""
    campaign = load(db, campaign_id, "campaign.edit")
    return TEAM.page(db, campaign, values, form.errors, form.shown_version()), form.status


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


@web.post("/campaigns/<int:campaign_id>/team/<int:member_id>")
def member_save(campaign_id: int, member_id: int) -> Any:
    form = Form(request.form)
    role = form.text("role", required=True, max_length=32)
    changed = run_form(form, commands.update_member, campaign_id, member_id, role, form.version())
    if changed is None:
        return _team_page(db_session(), campaign_id, {"member_id": member_id, "role": role}, form)
    flash(f"Đã lưu vai trò của {changed.person.full_name}", "success")
    return redirect(url_for("web.team_form", campaign_id=campaign_id), 303)


@web.post("/campaigns/<int:campaign_id>/team/<int:member_id>/delete")
def member_remove(campaign_id: int, member_id: int) -> Response:
    """Refused (flashed, with the reason) while the issued team decision names the member."""
    form = Form(request.form)
    run_form_or_refuse(form, commands.remove_member, campaign_id, member_id, form.version())
    flash("Đã xóa thành viên khỏi Đoàn kiểm tra", "success")
    return redirect(url_for("web.team_form", campaign_id=campaign_id), 303)


# --- the summary report ---------------------------------------------------------------------


@web.get("/campaigns/<int:campaign_id>/report")
def report_form(campaign_id: int) -> str:
    db = db_session()
    campaign = load(db, campaign_id, "campaign.edit")
    return REPORT.page(db, campaign, campaign.report_sections or {}, {})


@web.post("/campaigns/<int:campaign_id>/report")
def report_save(campaign_id: int) -> Any:
    form = Form(request.form)
    sections = {key: form.lines(f"report-{key}") for key in REPORT_SECTIONS}
    data = {"report_sections": sections}
    saved = run_form(form, commands.update, campaign_id, data, expected_version=form.version())
    # The sections are checked as a whole: each message is flashed, not shown beside a field.
    refused = f"Chưa lưu: {'; '.join(form.errors.values())}" if form.errors else ""
    done = "Đã lưu nội dung báo cáo"
    return REPORT.answer(form, saved is not None, campaign_id, sections, done, refused)
