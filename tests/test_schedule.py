"""Schedule conflicts (workflows.schedule): visits overlapping in time, people double-booked."""

from __future__ import annotations

from datetime import datetime

from workflows.schedule import Slot, find_conflicts


def _slot(key: int, start: int, end: int, people: frozenset[int], day: int = 5) -> Slot:
    return Slot(
        key, f"Đơn vị {key}", datetime(2023, 9, day, start), datetime(2023, 9, day, end), people
    )


def test_overlapping_visits_are_flagged_on_both_sides() -> None:
    team = frozenset({1, 2})
    own = [_slot(1, 8, 11, team), _slot(2, 10, 12, team), _slot(3, 11, 12, team)]
    found = find_conflicts(own, [], {})
    assert found[1] == [
        "Trùng thời gian với lịch kiểm tra tại Đơn vị 2 (10 giờ 00 - 12 giờ 00 ngày 05/09/2023)"
    ]
    assert len(found[2]) == 2  # overlaps both
    assert len(found[3]) == 1  # 11:00 end and 11:00 start touch, they do not overlap 1


def test_a_person_booked_elsewhere_is_named() -> None:
    own = [_slot(1, 8, 11, frozenset({1, 2}))]
    others = [
        Slot(
            9,
            "Huyện khác",
            datetime(2023, 9, 5, 9),
            datetime(2023, 9, 5, 10),
            frozenset({2}),
            "KH 2",
        ),
        Slot(
            8, "Hôm khác", datetime(2023, 9, 6, 9), datetime(2023, 9, 6, 10), frozenset({1}), "KH 3"
        ),
    ]
    found = find_conflicts(own, others, {1: "Nguyễn Văn Giang", 2: "Vi Thị Hoa"})
    assert found == {
        1: [
            "Vi Thị Hoa đã có lịch kiểm tra tại Huyện khác "
            "(09 giờ 00 - 10 giờ 00 ngày 05/09/2023, KH 2)"
        ]
    }
