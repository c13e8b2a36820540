"""Plain logic behind the web UI: Vietnamese sorting, date formats and form reading."""

from __future__ import annotations

from datetime import date, datetime

from werkzeug.datastructures import MultiDict

from service.web.formatting import date_vn, number_vn, time_range_vn, time_vn
from service.web.forms import Form
from workflows.text import vietnamese_key


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
