"""The one table of campaign actions: each lifecycle step's permission and the command behind it.

The API's `POST /campaigns/<id>/actions/<action>` and the UI's action buttons both run
`perform`, so a step is allowed, refused and reported the same way wherever it is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from service.commands import archive, documents, visits
from service.commands import lifecycle as lifecycle_commands
from service.commands.caller import Caller
from service.commands.campaigns import get_campaign
from service.errors import Conflict, Invalid
from service.models import Campaign
from service.queries.issuing import left_to_issue
from workflows.documents import KINDS
from workflows.lifecycle import REOPEN


@dataclass(frozen=True)
class Step:
    """What the caller asked for beyond the action's name."""

    issue_date: date | None = None
    reason: str = ""
    confirm_non_working_days: bool = False  # visits on a day off are announced knowingly


Run = Callable[[Session, Caller, Campaign, Step], None]


@dataclass(frozen=True)
class Action:
    permission: str
    run: Run
    done: str  # what the UI tells the user once it is done, or once its job is under way
    queued: bool = False  # the step's bulk work is left to a job (the API answers 202)


def _issuing(kind: str) -> Run:
    def run(db: Session, caller: Caller, campaign: Campaign, step: Step) -> None:
        documents.draft_and_issue(db, caller, campaign, kind, step.issue_date)

    return run


def _transition(action: str) -> Run:
    def run(db: Session, caller: Caller, campaign: Campaign, step: Step) -> None:
        lifecycle_commands.apply(db, campaign, action, caller.name, step.reason)

    return run


def _announce(db: Session, caller: Caller, campaign: Campaign, step: Step) -> None:
    visits.announce(db, caller, campaign, step.issue_date, step.confirm_non_working_days)


def _archive(db: Session, caller: Caller, campaign: Campaign, step: Step) -> None:
    lifecycle_commands.apply(db, campaign, "archive", caller.name, step.reason)
    archive.request_if_reopened(db, caller, campaign.id)


def _rebuild_archive(db: Session, caller: Caller, campaign: Campaign, _step: Step) -> None:
    archive.request_build(db, caller, campaign.id)


# Steps that issue documents (the plan, the decision, the notices, the report) are signing.
ACTIONS: dict[str, Action] = {
    **{
        action: Action(
            "document.issue",
            _issuing(kind),
            f"Đã ban hành {KINDS[kind].label[:1].lower()}{KINDS[kind].label[1:]}",
        )
        for kind, action in documents.ISSUING_ACTION.items()
    },
    "schedule_visits": Action(
        "document.issue",
        _announce,
        "Đang ban hành thông báo lịch kiểm tra cho từng đơn vị; tiến độ hiện trên trang kế hoạch",
        queued=True,
    ),
    "complete_visits": Action(
        "campaign.edit", _transition("complete_visits"), "Đã ghi nhận hoàn thành các cuộc kiểm tra"
    ),
    "complete_minutes": Action(
        "campaign.edit", _transition("complete_minutes"), "Đã ghi nhận hoàn thành biên bản"
    ),
    "archive": Action("archive.build", _archive, "Đã kết thúc kế hoạch: hồ sơ được lưu trữ"),
    REOPEN: Action(
        "campaign.reopen",
        _transition(REOPEN),
        "Đã mở lại kế hoạch: có thể sửa đổi; lần lưu trữ sau sẽ lập hồ sơ mới",
    ),
    "rebuild_archive": Action(
        "archive.build", _rebuild_archive, "Đã yêu cầu lập lại hồ sơ lưu trữ"
    ),
}


def perform(
    db: Session, caller: Caller, campaign_id: int, action: str, step: Step | None = None
) -> Action:
    """Run `action` on the campaign for the caller; the action (and its message) once done."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Invalid({"action": f"Thao tác không hợp lệ: {action}"})
    campaign = get_campaign(db, campaign_id)
    caller.require(spec.permission, campaign)
    _refuse_while_issuing(db, campaign)
    spec.run(db, caller, campaign, step or Step())
    return spec


def _refuse_while_issuing(db: Session, campaign: Campaign) -> None:
    """No step is taken while a bulk issue is under way: what follows (visits, the report, the
    case file) builds on every document it issues."""
    pending = left_to_issue(db, campaign.id)
    if pending is not None:
        kind, left = pending
        raise Conflict(
            [
                f"Còn {left} {KINDS[kind].label.lower()} đang được ban hành; "
                "hãy làm bước tiếp theo khi ban hành xong"
            ]
        )
