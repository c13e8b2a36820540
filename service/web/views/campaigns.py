"""Campaign list, the campaign page (lifecycle timeline), the plan, target, team, report forms."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.commands import actions, documents
from service.commands import campaigns as commands
from service.database import session as db_session
from service.database import transaction
from service.errors import Invalid
from service.identity import caller, can, current_user, require
from service.models import (
    Campaign,
    Document,
    LifecycleEvent,
    Organisation,
    Person,
    Signer,
    User,
)
from service.queries.campaigns import visible_campaigns, visible_targets
from service.queries.lifecycle import lifecycle_summary
from service.queries.statistics import campaign_statistics
from service.web.blueprint import web
from service.web.formatting import REPORT_SECTIONS, vietnamese_key
from service.web.forms import Form
from service.web.views.progress import campaign_progress
from workflows import lifecycle, statistics
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


def load(db: Session, campaign_id: int, action: str = "campaign.view") -> Campaign:
    campaign = commands.get_campaign(db, campaign_id)
    require(action, campaign)
    return campaign


def display_names(db: Session) -> dict[str, str]:
    """Usernames recorded as actors, shown as the person's full name."""
    return {u.username: u.full_name or u.username for u in db.scalars(select(User)).all()}


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


def _new_campaign_choices(db: Session) -> dict[str, Any]:
    issuers = db.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.ISSUER)
    ).all()
    return {"issuers": [(o.id, o.name) for o in issuers], "signers": _signers(db)}


def _signers(db: Session) -> list[tuple[int, str]]:
    """Signers as choices: `Nguyễn Văn Giang (KT. GIÁM ĐỐC - PHÓ GIÁM ĐỐC)`."""
    rows = db.scalars(select(Signer).order_by(Signer.id)).all()
    return [
        (
            s.id,
            f"{s.person.full_name} "
            f"({' '.join(p for p in (s.authority_prefix, s.authority_title) if p)}"
            f"{' - ' if s.authority_title else ''}{s.position_title})",
        )
        for s in rows
    ]


@web.post("/campaigns")
def campaign_create() -> Any:
    form = Form(request.form)
    values = {
        "title": form.text("title", required=True, max_length=1000),
        "year": form.integer("year", required=True, minimum=2000, maximum=2100),
        "issuer_id": form.integer("issuer_id", required=True),
        "signer_id": form.integer("signer_id"),
    }
    if not form.errors:
        try:
            with transaction() as db:
                campaign = commands.create(db, caller(), values)
            flash("Đã tạo kế hoạch mới; hãy nhập các nội dung của kế hoạch", "success")
            return redirect(url_for("web.plan_form", campaign_id=campaign.id), 303)
        except Invalid as error:
            form.errors.update(error.fields)
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


def draft_of(db: Session, campaign: Campaign, kind: str) -> Document | None:
    return db.scalar(
        select(Document)
        .where(
            Document.campaign_id == campaign.id,
            Document.kind == kind,
            Document.subject_key == "",
            Document.status == DocumentStatus.DRAFT,
        )
        .order_by(Document.version.desc())
        .limit(1)
    )


@web.get("/campaigns/<int:campaign_id>")
def campaign_page(campaign_id: int) -> str:
    db = db_session()
    campaign = load(db, campaign_id)
    user = current_user()
    summary = lifecycle_summary(db, campaign)
    drafts = {
        s.document_kind: draft_of(db, campaign, s.document_kind)
        for s in summary.next_steps
        if s.document_kind in ("KH", "QD", "BC")
    }
    minutes = {
        d.visit_id: d
        for d in db.scalars(
            select(Document).where(
                Document.campaign_id == campaign.id,
                Document.kind == "BB",
                Document.status != DocumentStatus.SUPERSEDED,
            )
        ).all()
    }
    return render_template(
        "campaign.html",
        campaign=campaign,
        stage_label=summary.stage_label,
        timeline=timeline(campaign, summary.events),
        events=summary.events,
        steps=summary.next_steps,
        drafts=drafts,
        names=display_names(db),
        targets=visible_targets(db, user, campaign),
        minutes=minutes,
        progress=campaign_progress(db, user, campaign),
        kinds=KINDS,
    )


@web.post("/campaigns/<int:campaign_id>/documents")
def document_draft(campaign_id: int) -> Response:
    """Generate (or refresh) a draft; the worker renders it and the page shows the progress."""
    form = Form(request.form)
    kind = form.text("kind")
    visit_id = form.integer("visit_id")
    with transaction() as db:
        doc_id = documents.draft(db, caller(), campaign_id, kind, visit_id=visit_id).id
    flash("Đã tạo dự thảo; văn bản đang được dựng", "success")
    return redirect(url_for("web.document_page", doc_id=doc_id), 303)


@web.post("/campaigns/<int:campaign_id>/actions/<action>")
def campaign_action(campaign_id: int, action: str) -> Response:
    """Any step of the action table: announce the schedule, build the case file, close it…"""
    form = Form(request.form)
    step = actions.Step(
        issue_date=form.date("issue_date"), reason=form.text("reason", max_length=2000)
    )
    if form.errors:
        raise Invalid(form.errors)
    with transaction() as db:
        done = actions.perform(db, caller(), campaign_id, action, step)
    flash(done.done, "success")
    return redirect(url_for("web.campaign_page", campaign_id=campaign_id), 303)


# --- the plan -------------------------------------------------------------------------------


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


def _plan_page(
    db: Session, campaign: Campaign, values: dict[str, Any], errors: dict[str, str]
) -> str:
    units = [
        (o.id, o.name)
        for o in db.scalars(
            select(Organisation).where(Organisation.kind == OrganisationKind.UNIT)
        ).all()
    ]
    return render_template(
        "plan.html",
        campaign=campaign,
        plan=values,
        errors=errors,
        signers=_signers(db),
        units=units,
        editable=can("campaign.edit", campaign),
    )


@web.get("/campaigns/<int:campaign_id>/plan")
def plan_form(campaign_id: int) -> str:
    db = db_session()
    campaign = load(db, campaign_id, "campaign.edit")
    return _plan_page(db, campaign, plan_values(campaign), {})


@web.post("/campaigns/<int:campaign_id>/plan")
def plan_save(campaign_id: int) -> Any:
    form = Form(request.form)
    values = read_plan(form)
    if not form.errors:
        try:
            with transaction() as db:
                commands.update(db, caller(), campaign_id, values)
            flash("Đã lưu kế hoạch", "success")
            return redirect(url_for("web.plan_form", campaign_id=campaign_id), 303)
        except Invalid as error:
            form.errors.update(error.fields)
    db = db_session()
    campaign = load(db, campaign_id, "campaign.edit")
    flash("Chưa lưu: vui lòng sửa các mục được đánh dấu", "error")
    return _plan_page(db, campaign, values, form.errors), 422


# --- targets and team -----------------------------------------------------------------------


def _targets_page(
    db: Session, campaign: Campaign, values: dict[str, Any], errors: dict[str, str]
) -> str:
    taken = {t.office_id for t in campaign.targets}
    offices = [
        o
        for o in db.scalars(
            select(Organisation).where(Organisation.kind == OrganisationKind.DISTRICT_OFFICE)
        )
        if o.id not in taken
    ]
    communes = db.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.COMMUNE_COMMITTEE)
    ).all()
    by_district: dict[str, list[Organisation]] = {}
    for commune in sorted(communes, key=lambda o: vietnamese_key(o.name)):
        by_district.setdefault(commune.district, []).append(commune)
    return render_template(
        "targets.html",
        campaign=campaign,
        offices=sorted(offices, key=lambda o: vietnamese_key(o.district or o.name)),
        communes=by_district,
        values=values,
        errors=errors,
    )


@web.get("/campaigns/<int:campaign_id>/targets")
def targets_form(campaign_id: int) -> str:
    db = db_session()
    return _targets_page(db, load(db, campaign_id, "campaign.edit"), {}, {})


@web.post("/campaigns/<int:campaign_id>/targets")
def target_add(campaign_id: int) -> Any:
    form = Form(request.form)
    office_id = form.integer("office_id", required=True)
    commune_id = form.integer("commune_id")
    values = {"office_id": office_id, "commune_id": commune_id}
    if office_id is not None and not form.errors:
        try:
            with transaction() as db:
                commands.add_target(db, caller(), campaign_id, office_id, commune_id)
            flash("Đã thêm đơn vị được kiểm tra", "success")
            return redirect(url_for("web.targets_form", campaign_id=campaign_id), 303)
        except Invalid as error:
            form.errors.update(error.fields)
    db = db_session()
    return _targets_page(db, load(db, campaign_id, "campaign.edit"), values, form.errors), 422


def _team_page(
    db: Session, campaign: Campaign, values: dict[str, Any], errors: dict[str, str]
) -> str:
    on_team = {m.person_id for m in campaign.members}
    people = [p for p in db.scalars(select(Person)).all() if p.id not in on_team]
    return render_template(
        "team.html",
        campaign=campaign,
        people=sorted(people, key=lambda p: vietnamese_key(p.full_name)),
        values=values,
        errors=errors,
    )


@web.get("/campaigns/<int:campaign_id>/team")
def team_form(campaign_id: int) -> str:
    db = db_session()
    return _team_page(db, load(db, campaign_id, "campaign.edit"), {"role": TeamRole.MEMBER}, {})


@web.post("/campaigns/<int:campaign_id>/team")
def member_add(campaign_id: int) -> Any:
    form = Form(request.form)
    person_id, role = form.integer("person_id", required=True), form.text("role")
    values = {"person_id": person_id, "role": role}
    if person_id is not None and not form.errors:
        try:
            with transaction() as db:
                commands.add_member(db, caller(), campaign_id, person_id, role)
            flash("Đã thêm thành viên Đoàn kiểm tra", "success")
            return redirect(url_for("web.team_form", campaign_id=campaign_id), 303)
        except Invalid as error:
            form.errors.update(error.fields)
    db = db_session()
    return _team_page(db, load(db, campaign_id, "campaign.edit"), values, form.errors), 422


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
            draft=draft_of(db, campaign, "BC"),
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
    if form.errors:
        raise Invalid(form.errors)
    with transaction() as db:
        commands.update(db, caller(), campaign_id, {"report_sections": sections})
    flash("Đã lưu nội dung báo cáo", "success")
    return redirect(url_for("web.report_form", campaign_id=campaign_id), 303)
