"""The lifecycle rules and formatting, in plain Python."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from workflows import formatting, lifecycle
from workflows.documents import KINDS, series_for
from workflows.lifecycle import CampaignFacts, Stage, VisitFacts
from workflows.vocabulary import VisitStatus


def facts(stage: Stage, **kw: object) -> CampaignFacts:
    base: dict[str, object] = {"target_count": 2, "has_team_leader": True}
    return CampaignFacts(stage=stage, **{**base, **kw})  # type: ignore[arg-type]


def test_no_schedule_before_plan_is_issued() -> None:
    problems = lifecycle.problems_for("schedule_visits", facts(Stage.PLAN_DRAFTED))
    assert "Dự thảo kế hoạch" in problems[0] and "Đã ban hành kế hoạch" in problems[0]


def test_plan_needs_its_fields_and_targets() -> None:
    problems = lifecycle.problems_for(
        "issue_plan", facts(Stage.PLAN_DRAFTED, missing_plan_fields=("căn cứ",), target_count=0)
    )
    assert problems == ["Kế hoạch còn thiếu: căn cứ", "Kế hoạch chưa có đối tượng kiểm tra nào"]


def test_schedule_needs_every_target_scheduled() -> None:
    visits = (VisitFacts("Phòng A", VisitStatus.SCHEDULED), VisitFacts("Phòng B"))
    problems = lifecycle.problems_for("schedule_visits", facts(Stage.TEAM_DECIDED, visits=visits))
    assert problems == ["Chưa xếp lịch kiểm tra tại Phòng B"]
    assert (
        lifecycle.problems_for("schedule_visits", facts(Stage.PLAN_ISSUED, visits=visits[:1])) == []
    )


def test_no_summary_until_every_target_visited_or_skipped_with_reason() -> None:
    visits = (
        VisitFacts("Phòng A", VisitStatus.HELD, minutes_issued=True),
        VisitFacts("Phòng B", VisitStatus.SKIPPED),
        VisitFacts("Phòng C", VisitStatus.SCHEDULED),
    )
    problems = lifecycle.problems_for("issue_report", facts(Stage.MINUTES_ISSUED, visits=visits))
    assert problems == [
        "Chưa ghi lý do không kiểm tra Phòng B",
        "Chưa kiểm tra Phòng C (chưa có kết quả hay lý do)",
    ]
    done = (visits[0], VisitFacts("Phòng B", VisitStatus.SKIPPED, "Bão lũ"))
    assert lifecycle.problems_for("issue_report", facts(Stage.MINUTES_ISSUED, visits=done)) == []


def test_no_minutes_for_a_visit_that_did_not_take_place() -> None:
    assert lifecycle.visit_minutes_problems(VisitFacts("Phòng A", VisitStatus.SCHEDULED))
    assert not lifecycle.visit_minutes_problems(VisitFacts("Phòng A", VisitStatus.HELD))


def test_require_raises_with_problems() -> None:
    with pytest.raises(lifecycle.TransitionRefused) as refused:
        lifecycle.require("archive", facts(Stage.PLAN_DRAFTED))
    assert refused.value.problems


def test_stage_order_is_the_lifecycle() -> None:
    assert [s.value for s in lifecycle.ORDER] == [
        "plan_drafted",
        "plan_issued",
        "team_decided",
        "visits_scheduled",
        "visits_held",
        "minutes_issued",
        "report_issued",
        "archived",
    ]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 2, 5), "Lạng Sơn, ngày 05 tháng 02 năm 2023"),
        (date(2023, 3, 15), "Lạng Sơn, ngày 15 tháng 3 năm 2023"),
        (date(2023, 1, 9), "Lạng Sơn, ngày 09 tháng 01 năm 2023"),
        (date(2023, 12, 31), "Lạng Sơn, ngày 31 tháng 12 năm 2023"),
    ],
)
def test_date_line(day: date, expected: str) -> None:
    assert formatting.date_line("Lạng Sơn", day, day.year) == expected


def test_number_line_and_code() -> None:
    code = formatting.document_code("KH", "SLĐTBXH")
    assert formatting.number_line(5, code) == "Số: 05/KH-SLĐTBXH"
    assert formatting.number_line(48, code) == "Số: 48/KH-SLĐTBXH"
    assert formatting.number_line(None, code).startswith("Số: ")
    assert formatting.number_line(None, code).endswith("/KH-SLĐTBXH")
    assert formatting.document_code("", "SLĐTBXH-PCTNXH") == "SLĐTBXH-PCTNXH"


def test_running_text_dates() -> None:
    assert formatting.short_date(date(2023, 3, 20)) == "20/3/2023"
    assert formatting.short_date(date(2023, 2, 27)) == "27/02/2023"
    assert formatting.weekday_date(date(2023, 9, 5)) == "Thứ Ba, ngày 05/9/2023"
    assert formatting.clock(datetime(2023, 9, 5, 8, 0)) == "08 giờ 00"


def test_series() -> None:
    assert series_for(KINDS["KH"], "shared") == "shared"
    assert series_for(KINDS["KH"], "per_kind") == "KH"
    assert series_for(KINDS["BB"], "shared") == "team"
