"""Schedule visits, announce the schedule (notices issued by a job) and record outcomes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from service.commands import checks, dispatch, documents, issuing, versions, working_days
from service.commands import lifecycle as lifecycle_commands
from service.commands.caller import Caller
from service.commands.campaigns import ensure_open, get_campaign
from service.errors import Conflict, Invalid, NotFound
from service.models import Campaign, Job, Target, Visit
from workflows import formatting, indicators, lifecycle, statistics
from workflows.findings import finding_areas
from workflows.lifecycle import Stage
from workflows.vocabulary import VisitStatus


def _target(campaign: Campaign, target_id: int) -> Target:
    target = next((t for t in campaign.targets if t.id == target_id), None)
    if target is None:
        raise NotFound("đơn vị được kiểm tra", target_id)
    return target


END_BEFORE_START = "Giờ kết thúc phải sau giờ bắt đầu"


def _check_times(caller: Caller, start: datetime, end: datetime) -> None:
    errors = checks.moments({"start": start, "end": end}, caller.now())
    if errors:
        raise Invalid(errors)
    if end <= start:
        raise Invalid({"end": END_BEFORE_START})


def schedule(
    db: Session,
    caller: Caller,
    campaign_id: int,
    target_id: int,
    start: datetime,
    end: datetime,
    place: str,
    issue_date: date | None = None,
    expected_version: int | None = None,
    notify: bool = True,
    confirm_non_working_days: bool = False,
) -> Visit:
    """Set or move a target's visit; once notices are out, a move issues an updated notice
    (unless `notify` is False: a schedule page's save leaves its many to `notify_moves`).
    With the version of the visit the move is based on (0: none yet), refused once it has
    another. A day off (weekend, public holiday) is refused unless confirmed, once per day."""
    campaign = get_campaign(db, campaign_id)
    caller.require("visit.schedule", campaign)
    ensure_open(campaign)
    stage = Stage(campaign.stage)
    if not lifecycle.stage_reached(stage, Stage.PLAN_ISSUED):
        raise Conflict(["Chưa ban hành kế hoạch kiểm tra: chưa thể xếp lịch"])
    _check_times(caller, start, end)
    target = _target(campaign, target_id)
    visit = target.visit
    if visit is not None:
        versions.check(db, caller, visit, expected_version)
    if visit is not None and visit.status in (VisitStatus.HELD, VisitStatus.SKIPPED):
        raise Conflict([f"Cuộc kiểm tra tại {target.office.name} đã kết thúc, không thể đổi lịch"])
    if visit is None:
        visit = Visit(target=target, scheduled_start=start, scheduled_end=end, place=place)
        db.add(visit)
    else:
        visit.scheduled_start, visit.scheduled_end, visit.place = start, end, place
        visit.status = VisitStatus.SCHEDULED
    db.flush()
    working_days.require_confirmed(db, [visit], confirm_non_working_days)
    if lifecycle.stage_reached(stage, Stage.VISITS_SCHEDULED):
        visit.sequence += 1
        if notify:
            documents.draft_and_issue(db, caller, campaign, "TB", issue_date, target.id)
    return visit


def notify_moves(db: Session, caller: Caller, campaign_id: int, moved: set[int]) -> Job | None:
    """After a schedule page's save, once notices are out: one job issues the updated notice of
    every moved visit (as many as the page held), batch by batch; None when none is due."""
    campaign = get_campaign(db, campaign_id)
    if not moved or not lifecycle.stage_reached(Stage(campaign.stage), Stage.VISITS_SCHEDULED):
        return None
    step = f"moved-{uuid.uuid4().hex[:12]}"
    return issuing.request(db, caller, campaign, "TB", None, step, only=moved)


def cancel(db: Session, caller: Caller, visit_id: int, reason: str) -> Visit:
    """Call a visit off; it counts as skipped with `reason` and its invitation is cancelled."""
    visit = get_visit(db, visit_id)
    caller.require("visit.record", visit)
    campaign = visit.target.campaign
    ensure_open(campaign)
    if not reason.strip():
        raise Invalid({"reason": "Cần ghi lý do hủy lịch kiểm tra"})
    if visit.status == VisitStatus.HELD:
        raise Conflict(["Cuộc kiểm tra đã diễn ra, không thể hủy"])
    visit.status = VisitStatus.SKIPPED
    visit.skip_reason = reason
    visit.sequence += 1
    dispatch.cancel_invitations(db, visit)
    lifecycle_commands.advance(db, campaign, caller.name)
    return visit


def announce(
    db: Session,
    caller: Caller,
    campaign: Campaign,
    issue_date: date | None,
    confirm_non_working_days: bool = False,
) -> Job:
    """The schedule_visits step: the schedule is announced now; the job returned issues every
    target's notice (its current one, if any, is replaced), batch by batch. Refused while a
    visit is on a day off nobody has confirmed, unless this step confirms it."""
    lifecycle_commands.apply(db, campaign, "schedule_visits", caller.name)
    scheduled = [t.visit for t in campaign.targets if t.visit is not None]
    working_days.require_confirmed(db, scheduled, confirm_non_working_days)
    return issuing.request(db, caller, campaign, "TB", issue_date, "schedule_visits")


def record(
    db: Session,
    caller: Caller,
    visit_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Visit:
    """Enter what happened at a visit: attendees, the figures of the campaign's indicators, the
    findings per inspection content, comments. With the version the entry is based on, refused
    (nothing written) once the visit has another."""
    visit = get_visit(db, visit_id)
    caller.require("visit.record", visit)
    campaign = visit.target.campaign
    ensure_open(campaign)
    versions.check(db, caller, visit, expected_version)
    if not lifecycle.stage_reached(Stage(campaign.stage), Stage.VISITS_SCHEDULED):
        raise Conflict(["Chưa thông báo lịch kiểm tra: chưa thể ghi kết quả"])
    _check_held(caller, visit, data.get("actual_start"))
    stats = data.get("statistics") or {}
    checked = statistics.validate(stats, indicators.parse(campaign.indicators))
    errors = {f"statistics.{k}": v for k, v in checked.items()}
    findings = data.get("findings") or {}
    areas = finding_areas(campaign.contents)
    outside = (
        f"Nội dung kiểm tra phải từ 1 đến {len(areas)}"
        if areas
        else "Kế hoạch chưa có nội dung kiểm tra nào"
    )
    errors |= {f"findings.{k}": outside for k in findings if str(k) not in areas}
    start, end = data.get("actual_start"), data.get("actual_end")
    errors |= checks.moments({"actual_start": start, "actual_end": end}, caller.now())
    errors |= checks.problems(Visit, data)
    if start and end and end <= start:
        errors["actual_end"] = END_BEFORE_START
    if errors:
        raise Invalid(errors)
    visit.statistics = {k: int(v) for k, v in stats.items()}
    visit.findings = {str(k): str(v) for k, v in findings.items()}
    for name in ("team_attendees", "unit_attendees"):
        if name in data:
            setattr(visit, name, list(data[name]))
    for name in ("unit_comments", "place", *Visit.REPRESENTATIVES):
        if name in data:
            setattr(visit, name, data[name])
    for name in ("actual_start", "actual_end"):
        if data.get(name):
            setattr(visit, "scheduled_" + name.removeprefix("actual_"), data[name])
    visit.status = VisitStatus.HELD
    visit.skip_reason = ""
    lifecycle_commands.advance(db, campaign, caller.name)
    return visit


def _check_held(caller: Caller, visit: Visit, actual_start: datetime | None) -> None:
    """A visit's result is recorded from the day it takes place (its actual day, when given)."""
    day = (actual_start or visit.scheduled_start).date()
    if day <= caller.today():
        return
    message = (
        f"Chưa đến ngày kiểm tra ({formatting.short_date(day)}): "
        "chưa thể ghi kết quả trước ngày kiểm tra"
    )
    if actual_start is not None:
        raise Invalid({"actual_start": message})
    raise Conflict([message])


def get_visit(db: Session, visit_id: int) -> Visit:
    visit = db.get(Visit, visit_id)
    if visit is None:
        raise NotFound("cuộc kiểm tra", visit_id)
    return visit
