"""Stages, transitions and guards of a campaign; a guard names what is missing, in Vietnamese."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from workflows.vocabulary import VisitStatus


class Stage(StrEnum):
    PLAN_DRAFTED = "plan_drafted"
    PLAN_ISSUED = "plan_issued"
    TEAM_DECIDED = "team_decided"
    VISITS_SCHEDULED = "visits_scheduled"
    VISITS_HELD = "visits_held"
    MINUTES_ISSUED = "minutes_issued"
    REPORT_ISSUED = "report_issued"
    ARCHIVED = "archived"


STAGE_LABELS: dict[Stage, str] = {
    Stage.PLAN_DRAFTED: "Dự thảo kế hoạch",
    Stage.PLAN_ISSUED: "Đã ban hành kế hoạch",
    Stage.TEAM_DECIDED: "Đã quyết định thành lập Đoàn kiểm tra",
    Stage.VISITS_SCHEDULED: "Đã thông báo lịch kiểm tra",
    Stage.VISITS_HELD: "Đã kiểm tra xong các đơn vị",
    Stage.MINUTES_ISSUED: "Đã ban hành các biên bản kiểm tra",
    Stage.REPORT_ISSUED: "Đã ban hành báo cáo kết quả",
    Stage.ARCHIVED: "Đã lập hồ sơ lưu trữ",
}

ORDER: tuple[Stage, ...] = tuple(Stage)


@dataclass(frozen=True)
class VisitFacts:
    """What the lifecycle needs to know about one target's visit."""

    target_name: str
    status: VisitStatus | None = None
    skip_reason: str = ""
    minutes_issued: bool = False


@dataclass(frozen=True)
class CampaignFacts:
    """A snapshot of a campaign, built by the service from the database."""

    stage: Stage
    missing_plan_fields: tuple[str, ...] = ()
    target_count: int = 0
    has_team_leader: bool = False
    visits: tuple[VisitFacts, ...] = field(default_factory=tuple)


Guard = Callable[[CampaignFacts], list[str]]


def _plan_complete(facts: CampaignFacts) -> list[str]:
    problems = [f"Kế hoạch còn thiếu: {name}" for name in facts.missing_plan_fields]
    if facts.target_count == 0:
        problems.append("Kế hoạch chưa có đối tượng kiểm tra nào")
    return problems


def _team_has_leader(facts: CampaignFacts) -> list[str]:
    return [] if facts.has_team_leader else ["Đoàn kiểm tra chưa có Trưởng đoàn"]


def _every_target_scheduled(facts: CampaignFacts) -> list[str]:
    return [
        f"Chưa xếp lịch kiểm tra tại {visit.target_name}"
        for visit in facts.visits
        if visit.status is None
    ]


def _every_target_visited_or_skipped(facts: CampaignFacts) -> list[str]:
    problems = []
    for visit in facts.visits:
        if visit.status == VisitStatus.HELD:
            continue
        if visit.status == VisitStatus.SKIPPED and visit.skip_reason.strip():
            continue
        if visit.status == VisitStatus.SKIPPED:
            problems.append(f"Chưa ghi lý do không kiểm tra {visit.target_name}")
        else:
            problems.append(f"Chưa kiểm tra {visit.target_name} (chưa có kết quả hay lý do)")
    return problems


def _every_held_visit_has_minutes(facts: CampaignFacts) -> list[str]:
    problems = _every_target_visited_or_skipped(facts)
    problems += [
        f"Chưa ban hành biên bản kiểm tra tại {visit.target_name}"
        for visit in facts.visits
        if visit.status == VisitStatus.HELD and not visit.minutes_issued
    ]
    return problems


@dataclass(frozen=True)
class Transition:
    """A step from one of `sources` to `target`, allowed when `guard` finds nothing missing."""

    action: str
    label: str
    sources: frozenset[Stage]
    target: Stage
    guard: Guard
    document_kind: str | None = None
    reason_needed: str = ""  # when set, the step needs a reason and this asks for it


# Reopening an archived campaign: a leader's step with its reason, back to where archiving left.
REOPEN = "reopen"

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "issue_plan",
            "Ban hành kế hoạch kiểm tra",
            frozenset({Stage.PLAN_DRAFTED}),
            Stage.PLAN_ISSUED,
            _plan_complete,
            "KH",
        ),
        Transition(
            "decide_team",
            "Quyết định thành lập Đoàn kiểm tra",
            frozenset({Stage.PLAN_ISSUED}),
            Stage.TEAM_DECIDED,
            _team_has_leader,
            "QD",
        ),
        Transition(
            "schedule_visits",
            "Thông báo lịch kiểm tra",
            frozenset({Stage.PLAN_ISSUED, Stage.TEAM_DECIDED}),
            Stage.VISITS_SCHEDULED,
            _every_target_scheduled,
            "TB",
        ),
        Transition(
            "complete_visits",
            "Hoàn thành các cuộc kiểm tra",
            frozenset({Stage.VISITS_SCHEDULED}),
            Stage.VISITS_HELD,
            _every_target_visited_or_skipped,
        ),
        Transition(
            "complete_minutes",
            "Hoàn thành biên bản kiểm tra",
            frozenset({Stage.VISITS_HELD}),
            Stage.MINUTES_ISSUED,
            _every_held_visit_has_minutes,
        ),
        Transition(
            "issue_report",
            "Ban hành báo cáo kết quả kiểm tra",
            frozenset({Stage.MINUTES_ISSUED}),
            Stage.REPORT_ISSUED,
            _every_held_visit_has_minutes,
            "BC",
        ),
        Transition(
            "archive",
            "Lập hồ sơ lưu trữ",
            frozenset({Stage.REPORT_ISSUED}),
            Stage.ARCHIVED,
            lambda _facts: [],
        ),
        # Archiving is only ever taken from REPORT_ISSUED, so that is the stage reopening restores.
        Transition(
            REOPEN,
            "Mở lại kế hoạch đã lưu trữ",
            frozenset({Stage.ARCHIVED}),
            Stage.REPORT_ISSUED,
            lambda _facts: [],
            reason_needed="Cần ghi lý do mở lại kế hoạch đã lưu trữ",
        ),
    )
}

# Transitions the service applies by itself as soon as their guard passes.
AUTOMATIC: tuple[str, ...] = ("complete_visits", "complete_minutes")


class TransitionRefused(Exception):
    """A step that the current state does not allow; `problems` says what is missing."""

    def __init__(self, action: str, problems: list[str]) -> None:
        self.action = action
        self.problems = problems
        super().__init__("; ".join(problems))


def problems_for(action: str, facts: CampaignFacts) -> list[str]:
    """Everything that stands between the campaign and `action`, empty when allowed."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return [f"Thao tác không hợp lệ: {action}"]
    if facts.stage not in transition.sources:
        needed = " hoặc ".join(STAGE_LABELS[s] for s in ORDER if s in transition.sources)
        return [
            f"Không thể thực hiện «{transition.label}» ở bước «{STAGE_LABELS[facts.stage]}»: "
            f"cần ở bước «{needed}»"
        ]
    return transition.guard(facts)


def require(action: str, facts: CampaignFacts) -> Transition:
    """The transition for `action`, or TransitionRefused saying what is missing."""
    problems = problems_for(action, facts)
    if problems:
        raise TransitionRefused(action, problems)
    return TRANSITIONS[action]


def next_steps(facts: CampaignFacts) -> list[tuple[Transition, list[str]]]:
    """The transitions leaving the current stage, each with what is still missing."""
    return [(t, t.guard(facts)) for t in TRANSITIONS.values() if facts.stage in t.sources]


def stage_reached(current: Stage, wanted: Stage) -> bool:
    return ORDER.index(current) >= ORDER.index(wanted)


def visit_minutes_problems(visit: VisitFacts) -> list[str]:
    """Minutes are only for a visit that took place."""
    if visit.status != VisitStatus.HELD:
        return [f"Không thể lập biên bản: cuộc kiểm tra tại {visit.target_name} chưa diễn ra"]
    return []
