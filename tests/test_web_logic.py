"""Plain logic behind the web UI: schedule conflicts, Vietnamese sorting and date formats."""

from __future__ import annotations

from datetime import date, datetime

from werkzeug.datastructures import MultiDict

from service.web.conflicts import Slot, find_conflicts
from service.web.formatting import date_vn, number_vn, time_range_vn, time_vn, vietnamese_key
from service.web.forms import Form


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


def test_vietnamese_collation() -> None:
    names = [
        "Đình Lập",
        "Bắc Sơn",
        "Bình Gia",
        "Cao Lộc",
        "Chi Lăng",
        "Ân",
        "Anh",
        "An",
        "Ăn",
        "Ư",
        "Uy",
        "á",
        "à",
        "a",
    ]
    assert sorted(names, key=vietnamese_key) == [
        "a", "à", "á", "An", "Anh", "Ăn", "Ân", "Bắc Sơn", "Bình Gia", "Cao Lộc", "Chi Lăng",
        "Đình Lập", "Uy", "Ư",
    ]  # fmt: skip


def test_dates_as_vietnamese_write_them() -> None:
    assert date_vn(date(2023, 9, 5)) == "05/09/2023"
    assert time_vn(datetime(2023, 9, 5, 8, 0)) == "08 giờ 00"
    assert time_range_vn(datetime(2023, 9, 5, 8), datetime(2023, 9, 5, 11, 30)) == (
        "08 giờ 00 - 11 giờ 30, Thứ Ba, ngày 05/09/2023"
    )
    assert number_vn(1234567) == "1.234.567"


def test_form_reading() -> None:
    form = Form(
        MultiDict(
            [
                ("d1", "2023-09-05"),
                ("d2", "05/09/2023"),
                ("d3", "31/02/2023"),
                ("t1", "8:00"),
                ("t2", "08h30"),
                ("t3", "25:00"),
                ("n", "1.200"),
                ("x", "mười"),
                ("y", "1.5"),
                ("list", "Mo\u0323\u0302t"),
                ("list", "  "),
                ("list", "Hai"),
            ]
        )
    )
    assert form.date("d1") == form.date("d2") == date(2023, 9, 5)
    assert form.date("d3") is None and "Ngày không hợp lệ" in form.errors["d3"]
    assert form.time("t1") == datetime(2023, 1, 1, 8).time()
    assert form.time("t2") == datetime(2023, 1, 1, 8, 30).time()
    assert form.time("t3") is None and "t3" in form.errors
    assert form.integer("n") == 1200 and form.integer("x") is None
    assert form.errors["x"] == "Phải là số nguyên"
    assert form.integer("y") is None and form.errors["y"] == "Phải là số nguyên"
    assert form.lines("list") == ["Một", "Hai"]
    assert form.text("missing", required=True) == "" and form.errors["missing"]
