"""Schedule visits, announce the schedule (notices issued automatically) and record outcomes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from service.commands import dispatch, documents
from service.commands import lifecycle as lifecycle_commands
from service.errors import Conflict, Invalid, NotFound
from service.models import Campaign, Target, Visit
from workflows import lifecycle, statistics
from workflows.lifecycle import Stage, VisitStatus


def _target(campaign: Campaign, target_id: int) -> Target:
    target = next((t for t in campaign.targets if t.id == target_id), None)
    if target is None:
        raise NotFound("đơn vị được kiểm tra", target_id)
    return target


def _check_times(start: datetime, end: datetime) -> None:
    if end <= start:
        raise Invalid({"end": "Giờ kết thúc phải sau giờ bắt đầu"})


def schedule(
    db: Session,
    campaign: Campaign,
    target_id: int,
    start: datetime,
    end: datetime,
    place: str,
    actor: str,
    issue_date: date | None = None,
) -> Visit:
    """Set or move a target's visit; once notices are out, a move issues an updated notice."""
    stage = Stage(campaign.stage)
    if not lifecycle.stage_reached(stage, Stage.PLAN_ISSUED):
        raise Conflict(["Chưa ban hành kế hoạch kiểm tra: chưa thể xếp lịch"])
    _check_times(start, end)
    target = _target(campaign, target_id)
    visit = target.visit
    if visit is not None and visit.status in (VisitStatus.HELD, VisitStatus.SKIPPED):
        raise Conflict([f"Cuộc kiểm tra tại {target.office.name} đã kết thúc, không thể đổi lịch"])
    if visit is None:
        visit = Visit(target=target, scheduled_start=start, scheduled_end=end, place=place)
        db.add(visit)
    else:
        visit.scheduled_start, visit.scheduled_end, visit.place = start, end, place
        visit.status = VisitStatus.SCHEDULED
    db.flush()
    if lifecycle.stage_reached(stage, Stage.VISITS_SCHEDULED):
        visit.sequence += 1
        _issue_notice(db, campaign, target, actor, issue_date)
    return visit


def cancel(db: Session, campaign: Campaign, visit: Visit, reason: str, actor: str) -> Visit:
    """Call a visit off; it counts as skipped with `reason` and its invitation is cancelled."""
    if not reason.strip():
        raise Invalid({"reason": "Cần ghi lý do hủy lịch kiểm tra"})
    if visit.status == VisitStatus.HELD:
        raise Conflict(["Cuộc kiểm tra đã diễn ra, không thể hủy"])
    visit.status = VisitStatus.SKIPPED
    visit.skip_reason = reason
    visit.sequence += 1
    dispatch.cancel_invitations(db, visit)
    lifecycle_commands.advance(db, campaign, actor)
    return visit


def announce(db: Session, campaign: Campaign, actor: str, issue_date: date | None = None) -> None:
    """The schedule_visits step: every target's notice is drafted and issued in one go."""
    lifecycle_commands.apply(db, campaign, "schedule_visits", actor)
    for target in campaign.targets:
        _issue_notice(db, campaign, target, actor, issue_date)


def _issue_notice(
    db: Session, campaign: Campaign, target: Target, actor: str, issue_date: date | None
) -> None:
    notice = documents.draft(db, campaign, "TB", actor, target_id=target.id)
    documents.issue(db, notice, actor, issue_date)


def record(
    db: Session, campaign: Campaign, visit: Visit, data: dict[str, Any], actor: str
) -> Visit:
    """Enter what happened at a visit: attendees, II.3 statistics, findings, comments."""
    if not lifecycle.stage_reached(Stage(campaign.stage), Stage.VISITS_SCHEDULED):
        raise Conflict(["Chưa thông báo lịch kiểm tra: chưa thể ghi kết quả"])
    stats = data.get("statistics") or {}
    errors = {f"statistics.{k}": v for k, v in statistics.validate(stats).items()}
    findings = data.get("findings") or {}
    errors |= {
        f"findings.{k}": "Nội dung kiểm tra phải từ 1 đến 5"
        for k in findings
        if str(k) not in {"1", "2", "3", "4", "5"}
    }
    if errors:
        raise Invalid(errors)
    visit.statistics = {k: int(v) for k, v in stats.items()}
    visit.findings = {str(k): str(v) for k, v in findings.items()}
    for name in ("team_attendees", "unit_attendees"):
        if name in data:
            setattr(visit, name, list(data[name]))
    for name in ("unit_comments", "unit_representative", "unit_representative_position", "place"):
        if name in data:
            setattr(visit, name, data[name])
    for name in ("actual_start", "actual_end"):
        if data.get(name):
            setattr(visit, "scheduled_" + name.removeprefix("actual_"), data[name])
    visit.status = VisitStatus.HELD
    visit.skip_reason = ""
    lifecycle_commands.advance(db, campaign, actor)
    return visit


def get_visit(db: Session, visit_id: int) -> Visit:
    visit = db.get(Visit, visit_id)
    if visit is None:
        raise NotFound("cuộc kiểm tra", visit_id)
    return visit
