"""The visit schedule (date and time pickers, conflicts flagged) and a visit's data entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service.commands import submissions, visits, working_days
from service.database import session as db_session
from service.database import transaction
from service.errors import Invalid, Stale
from service.identity import caller, can, current_user, require
from service.models import Campaign, DistrictSubmission, Target, Visit
from service.queries.campaigns import targets_query
from service.queries.directory import display_names
from service.queries.documents import newest_minutes
from service.queries.facts import campaign_facts
from service.queries.paging import page_of
from service.queries.schedule import schedule_conflicts
from service.web.blueprint import web
from service.web.formatting import visit_status
from service.web.forms import Form
from service.web.paging import asked_page, asked_search
from service.web.submit import run_form, run_form_or_refuse
from service.web.views.campaigns import load
from workflows import calendar, indicators, lifecycle, statistics
from workflows.findings import finding_areas
from workflows.vocabulary import TeamRole, VisitStatus

FINISHED = (VisitStatus.HELD, VisitStatus.SKIPPED)
SCHEDULE_PER_PAGE = 50


def _row_values(target: Target) -> dict[str, str]:
    """A row as its visit stands, with the visit's version (0: none yet)."""
    visit = target.visit
    if visit is None:
        place = f"Trụ sở {target.office.name}"
        return {"date": "", "start": "", "end": "", "place": place, "version": "0"}
    return {
        "date": visit.scheduled_start.strftime("%Y-%m-%d"),
        "start": visit.scheduled_start.strftime("%H:%M"),
        "end": visit.scheduled_end.strftime("%H:%M"),
        "place": visit.place,
        "version": str(visit.version),
    }


def _schedule_page(
    db: Session,
    campaign: Campaign,
    values: dict[int, dict[str, str]],
    errors: dict[str, str],
    status: int = 200,
    ask_confirmation: bool = False,
) -> tuple[str, int]:
    """The schedule; `ask_confirmation`: a save was refused for a day off, the page asks for
    the confirmation checkbox."""
    stage = lifecycle.Stage(campaign.stage)
    scheduled = [t.visit for t in campaign.targets if t.visit is not None]
    unconfirmed = working_days.unconfirmed(db, scheduled)
    search = asked_search()
    shown = page_of(
        db, targets_query(current_user(), campaign, search), asked_page(), SCHEDULE_PER_PAGE
    )
    rows = [
        {
            "target": t,
            "visit": t.visit,
            "status": visit_status(t.visit.status if t.visit else None),
            "fields": values.get(t.id) or _row_values(t),
            "finished": t.visit is not None and t.visit.status in FINISHED,
            "day_off": _day_off(t, unconfirmed),
        }
        for t in shown.items
    ]
    return (
        render_template(
            "schedule.html",
            campaign=campaign,
            rows=rows,
            page=shown,
            search=search,
            errors=errors,
            conflicts=schedule_conflicts(db, campaign),
            ask_confirmation=ask_confirmation,
            confirm_field=working_days.CONFIRM_FIELD,
            unconfirmed=list(unconfirmed.values()),
            can_schedule=can("visit.schedule", campaign),
            announced=lifecycle.stage_reached(stage, lifecycle.Stage.VISITS_SCHEDULED),
            **announcing(db, campaign),
        ),
        status,
    )


def announcing(db: Session, campaign: Campaign) -> dict[str, Any]:
    """Whether the signed-in user may announce the schedule (issue every notice) at this stage,
    and what is still missing before it: the schedule page and the notices' preview show both."""
    stage = lifecycle.Stage(campaign.stage)
    return {
        "can_announce": stage in lifecycle.TRANSITIONS["schedule_visits"].sources
        and can("document.issue", campaign),
        "announce_missing": lifecycle.problems_for("schedule_visits", campaign_facts(db, campaign)),
    }


def _day_off(target: Target, unconfirmed: dict[int, str]) -> str:
    """The warning a scheduled visit on a weekend or public holiday carries, or ""."""
    visit = target.visit
    if visit is None or visit.status in FINISHED:
        return ""
    day = visit.scheduled_start.date()
    if calendar.non_working(day) is None:
        return ""
    state = "chưa xác nhận" if target.id in unconfirmed else "đã xác nhận"
    return f"Ngày nghỉ ({calendar.day_note(day)}), {state}"


@web.get("/campaigns/<int:campaign_id>/schedule")
def schedule_form(campaign_id: int) -> tuple[str, int]:
    db = db_session()
    return _schedule_page(db, load(db, campaign_id, "campaign.edit"), {}, {})


Change = tuple[Target, datetime, datetime, str, int | None]


def _read_rows(form: Form, campaign: Campaign) -> tuple[dict[int, dict[str, str]], list[Change]]:
    """The submitted rows (the page of the schedule the form showed), and the changed ones as
    (target, start, end, place, the version of the visit the row was shown with)."""
    values: dict[int, dict[str, str]] = {}
    changes = []
    for target in campaign.targets:
        key = target.id
        if target.visit is not None and target.visit.status in FINISHED:
            continue
        if f"date-{key}" not in form.data:
            continue  # a row on another page of the schedule
        row = {n: form.text(f"{n}-{key}", max_length=1000) for n in ("date", "start", "end")}
        row["place"] = form.text(f"place-{key}", max_length=1000)
        version = form.version(f"version-{key}")
        row["version"] = "" if version is None else str(version)
        values[key] = row
        if not any(row[n] for n in ("date", "start", "end")):
            if target.visit is not None:
                form.fail(f"date-{key}", "Đã có lịch: không thể xóa, hãy hủy lịch nếu cần")
            continue
        day = form.date(f"date-{key}", required=True)
        start = form.time(f"start-{key}", required=True)
        end = form.time(f"end-{key}", required=True)
        if day is None or start is None or end is None:
            continue
        begins, ends = datetime.combine(day, start), datetime.combine(day, end)
        visit = target.visit
        if visit is None or (visit.scheduled_start, visit.scheduled_end, visit.place) != (
            begins,
            ends,
            row["place"],
        ):
            changes.append((target, begins, ends, row["place"], version))
    return values, changes


@web.post("/campaigns/<int:campaign_id>/schedule")
def schedule_save(campaign_id: int) -> Any:
    form = Form(request.form)
    db = db_session()
    campaign = load(db, campaign_id, "campaign.edit")
    values, changes = _read_rows(form, campaign)
    stale, day_off, notifying = False, False, None
    confirm = form.checked(working_days.CONFIRM_FIELD)
    if changes:  # the commands check every changed row, even beside a row the form refused
        try:
            with transaction() as db:  # every row is checked; any refusal saves none of them
                for target, begins, ends, place, version in changes:
                    try:
                        visits.schedule(
                            db,
                            caller(),
                            campaign_id,
                            target.id,
                            begins,
                            ends,
                            place,
                            None,
                            version,
                            notify=False,
                            confirm_non_working_days=confirm,
                        )
                    except working_days.NonWorkingDays as error:  # asked again, input kept
                        form.fail(f"date-{target.id}", error.days[target.id])
                        day_off = True
                    except Invalid as error:
                        for field, message in error.fields.items():
                            form.fail(f"{field}-{target.id}", message)
                    except Stale as error:  # shown again on its version: saving again is a choice
                        form.fail(f"date-{target.id}", str(error))
                        values[target.id]["version"] = str(error.version)
                        stale = True
                if form.errors:
                    raise Invalid(form.errors)
                moved = {target.id for target, *_ in changes}
                notifying = visits.notify_moves(db, caller(), campaign_id, moved)
        except Invalid:
            pass
    if form.errors:
        flash("Chưa lưu lịch: vui lòng sửa các dòng được đánh dấu", "error")
        db = db_session()
        status = 409 if stale or day_off else 422
        return _schedule_page(db, load(db, campaign_id), values, form.errors, status, day_off)
    flash(f"Đã lưu lịch kiểm tra ({len(changes)} đơn vị thay đổi)", "success")
    if notifying is not None:
        flash("Đang ban hành thông báo lịch cập nhật; tiến độ hiện trên trang kế hoạch", "success")
    if schedule_conflicts(db_session(), load(db_session(), campaign_id)):
        flash("Lưu ý: có lịch kiểm tra bị trùng, xem các dòng được đánh dấu", "warning")
    return _back_to_schedule(campaign_id)


def _back_to_schedule(campaign_id: int) -> Response:
    """The schedule again, on the page (and search) the form was sent from."""
    args: dict[str, Any] = {"campaign_id": campaign_id, **request.args.to_dict()}
    return redirect(url_for("web.schedule_form", **args), 303)


@web.post("/visits/<int:visit_id>/cancel")
def visit_cancel(visit_id: int) -> Response:
    form = Form(request.form)
    reason = form.text("reason", max_length=2000)
    visit = run_form_or_refuse(form, visits.cancel, visit_id, reason)
    campaign_id, office = visit.target.campaign_id, visit.target.office.name
    flash(f"Đã ghi nhận không kiểm tra {office}", "success")
    return _back_to_schedule(campaign_id)


# --- a visit's data -------------------------------------------------------------------------


def _team_lines(campaign: Campaign) -> list[str]:
    return [
        f"{m.person.full_name}, {m.person.position}, {TeamRole.label_of(m.role)}"
        for m in campaign.members
    ]


def visit_values(visit: Visit, submitted: DistrictSubmission | None) -> dict[str, Any]:
    """The form as the visit stands; until the team records its figures, the office's own
    (sent before the visit) are filled in, for the team to confirm or correct."""
    campaign = visit.target.campaign
    held = visit.status == VisitStatus.HELD
    figures = visit.statistics if held or submitted is None else submitted.statistics
    return {
        "team_attendees": visit.team_attendees or _team_lines(campaign),
        "unit_attendees": visit.unit_attendees,
        "statistics": {k: str(v) for k, v in (figures or {}).items()},
        "findings": dict(visit.findings or {}),
        "unit_comments": visit.unit_comments,
        **{name: getattr(visit, name) for name in Visit.REPRESENTATIVES},
        "place": visit.place,
        "date": visit.scheduled_start.strftime("%Y-%m-%d"),
        "start": visit.scheduled_start.strftime("%H:%M"),
        "end": visit.scheduled_end.strftime("%H:%M"),
        "held": held,
    }


def read_statistics(form: Form, campaign: Campaign) -> tuple[dict[str, str], dict[str, object]]:
    """(the figures as typed, those given) for the campaign's indicators: the visit's form and
    the inspected office's own read them alike."""
    keys = [i.key for i in indicators.parse(campaign.indicators)]
    raw_stats = {k: form.text(f"statistics.{k}", max_length=12) for k in keys}
    stats: dict[str, object] = {}
    for key, raw in raw_stats.items():
        if raw:
            # Non-numbers stay text so that the statistics rules name them.
            stats[key] = int(raw) if raw.lstrip("-").isdigit() else raw
    return raw_stats, stats


def read_visit(form: Form, campaign: Campaign) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the values to show again, the data for `visits.record`), over the campaign's indicators
    and inspection contents."""
    raw_stats, stats = read_statistics(form, campaign)
    findings = {n: form.text(f"findings.{n}") for n in finding_areas(campaign.contents)}
    values: dict[str, Any] = {
        "team_attendees": form.lines("team_attendees"),
        "unit_attendees": form.lines("unit_attendees"),
        "statistics": raw_stats,
        "findings": findings,
        "unit_comments": form.text("unit_comments"),
        **{name: form.text(name, max_length=200) for name in Visit.REPRESENTATIVES},
        "place": form.text("place", max_length=1000),
        "date": form.text("date"),
        "start": form.text("start"),
        "end": form.text("end"),
    }
    data = {
        k: values[k]
        for k in (
            "team_attendees",
            "unit_attendees",
            "unit_comments",
            *Visit.REPRESENTATIVES,
            "place",
        )
    }
    data["statistics"] = stats
    data["findings"] = {n: text for n, text in findings.items() if text}
    day, start, end = form.date("date"), form.time("start"), form.time("end")
    if day and start and end:
        data["actual_start"] = datetime.combine(day, start)
        data["actual_end"] = datetime.combine(day, end)
    return values, data


def _visit_page(
    db: Session,
    visit: Visit,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    version: int | None = None,
) -> tuple[str, int]:
    """The visit's page; its form carries `version` (by default the visit's own)."""
    campaign = visit.target.campaign
    own = indicators.parse(campaign.indicators)
    _visit, submitted = submissions.submission_of(db, caller(), visit.id)
    return (
        render_template(
            "visit.html",
            campaign=campaign,
            visit=visit,
            target=visit.target,
            status=VisitStatus.label_of(visit.status),
            values=values,
            errors=errors,
            version=visit.version if version is None else version,
            fields=[(i, statistics.depth(i, own)) for i in own],
            areas=list(finding_areas(campaign.contents).items()),
            minutes=newest_minutes(db, visit),
            submitted=submitted,
            names=display_names(db),
            editable=can("visit.record", visit)
            and lifecycle.stage_reached(
                lifecycle.Stage(campaign.stage), lifecycle.Stage.VISITS_SCHEDULED
            ),
        ),
        status,
    )


@web.get("/visits/<int:visit_id>")
def visit_page(visit_id: int) -> tuple[str, int]:
    db = db_session()
    visit = visits.get_visit(db, visit_id)
    require("visit.view", visit)
    _visit, submitted = submissions.submission_of(db, caller(), visit.id)
    return _visit_page(db, visit, visit_values(visit, submitted), {})


@web.post("/visits/<int:visit_id>")
def visit_save(visit_id: int) -> Any:
    form = Form(request.form)
    visit = visits.get_visit(db_session(), visit_id)
    require("visit.view", visit)
    values, data = read_visit(form, visit.target.campaign)
    if run_form(form, visits.record, visit_id, data, expected_version=form.version()) is not None:
        flash("Đã lưu kết quả kiểm tra", "success")
        return redirect(url_for("web.visit_page", visit_id=visit_id), 303)
    # The form asks for the day and the times; the command names the moments.
    errors = {k.removeprefix("actual_"): v for k, v in form.errors.items()}
    db = db_session()
    visit = visits.get_visit(db, visit_id)
    require("visit.record", visit)
    if form.stale is None:
        flash("Chưa lưu: vui lòng sửa các mục được đánh dấu", "error")
    values["held"] = visit.status == VisitStatus.HELD
    return _visit_page(db, visit, values, errors, form.status, form.shown_version())
