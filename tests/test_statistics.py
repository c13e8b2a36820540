"""A visit's figures checked against the campaign's indicators, and their sums, in plain Python:
with the demo programme's indicators and with another programme's."""

from __future__ import annotations

import json
from pathlib import Path

from workflows import indicators, statistics

PRESET = Path(__file__).parent.parent / "workflows" / "presets" / "phong-chong-mai-dam.json"
DEMO = indicators.parse(json.loads(PRESET.read_text(encoding="utf-8"))["indicators"])

# Another programme: children with special circumstances, split by sex (the parts add up), and
# those given support (at most the whole).
CHILDREN = indicators.parse(
    [
        {"key": "tre_em", "label": "Số trẻ em trên địa bàn", "short_label": "Trẻ em"},
        {"key": "hcdb", "label": "Số trẻ em có hoàn cảnh đặc biệt", "short_label": "HCĐB"},
        {"key": "hcdb_nam", "label": "Trong đó: nam", "parent": "hcdb", "rule": "sum"},
        {"key": "hcdb_nu", "label": "Trong đó: nữ", "parent": "hcdb", "rule": "sum"},
        {"key": "duoc_ho_tro", "label": "Số trẻ em được hỗ trợ", "parent": "hcdb"},
    ]
)


def test_a_whole_and_consistent_visit_passes() -> None:
    assert statistics.validate({"workers": 10, "workers_male": 4, "workers_female": 6}, DEMO) == {}
    assert statistics.validate({}, DEMO) == {}
    full = {"tre_em": 900, "hcdb": 12, "hcdb_nam": 5, "hcdb_nu": 7, "duoc_ho_tro": 12}
    assert statistics.validate(full, CHILDREN) == {}


def test_each_value_is_a_non_negative_whole_number_of_an_indicator_of_the_plan() -> None:
    errors = statistics.validate(
        {"workers": "5", "hotspots": -1, "brokers": True, "tre_em": 3, "businesses": 10**12}, DEMO
    )
    assert errors == {
        "workers": "Phải là số nguyên",
        "hotspots": "Không được âm",
        "brokers": "Phải là số nguyên",
        "tre_em": "Chỉ tiêu «tre_em» không có trong kế hoạch",
        "businesses": "Không được lớn hơn 999.999.999",
    }
    # The demo's keys are not the other programme's.
    assert statistics.validate({"workers": 1}, CHILDREN) == {
        "workers": "Chỉ tiêu «workers» không có trong kế hoạch"
    }


def test_a_part_is_at_most_its_parent() -> None:
    errors = statistics.validate({"businesses": 3, "businesses_inspected": 4}, DEMO)
    assert errors == {
        "businesses_inspected": "Không được lớn hơn «Số cơ sở kinh doanh dịch vụ có điều kiện trên"
        " địa bàn»"
    }
    # A part's own part is checked against it, not against the top.
    errors = statistics.validate(
        {"businesses": 9, "businesses_inspected": 4, "businesses_violating": 5}, DEMO
    )
    assert errors == {"businesses_violating": "Không được lớn hơn «Số cơ sở được kiểm tra»"}
    # An absent parent counts as 0: the minutes would print it so.
    assert set(statistics.validate({"duoc_ho_tro": 1}, CHILDREN)) == {"duoc_ho_tro"}


def test_parts_of_a_sum_group_add_up_to_their_parent_once_all_are_given() -> None:
    errors = statistics.validate({"workers": 10, "workers_male": 4, "workers_female": 5}, DEMO)
    message = (
        "Tổng «Trong đó: số lao động nam», «Trong đó: số lao động nữ» phải bằng «Số lao động làm"
        " việc tại các cơ sở KDDV»"
    )
    assert errors == {"workers_male": message, "workers_female": message}
    # One part given: it may be less than the parent, never more than it.
    assert statistics.validate({"hcdb": 12, "hcdb_nu": 7}, CHILDREN) == {}
    errors = statistics.validate({"hcdb": 12, "hcdb_nam": 13}, CHILDREN)
    assert errors == {"hcdb_nam": "Không được lớn hơn «Số trẻ em có hoàn cảnh đặc biệt»"}
    # Two groups of the same parent are checked apart (sex, and labour contract).
    errors = statistics.validate(
        {
            "workers": 10,
            "workers_male": 4,
            "workers_female": 6,
            "workers_contract": 8,
            "workers_no_contract": 1,
        },
        DEMO,
    )
    assert set(errors) == {"workers_contract", "workers_no_contract"}
    assert "«Số lao động chưa được ký HĐLĐ»" in errors["workers_contract"]


def test_totals_cover_every_indicator_of_the_plan() -> None:
    sums = statistics.totals([{"hcdb": 3}, {"hcdb": 4, "hcdb_nu": 1}], CHILDREN)
    assert sums == {"tre_em": 0, "hcdb": 7, "hcdb_nam": 0, "hcdb_nu": 1, "duoc_ho_tro": 0}
    sums = statistics.totals([{"workers": 3}, {"workers": 4, "hotspots": 1}], DEMO)
    assert list(sums) == [i.key for i in DEMO] and sums["workers"] == 7 and sums["hotspots"] == 1


def test_depth_indents_the_parts() -> None:
    assert [statistics.depth(i, CHILDREN) for i in CHILDREN] == [0, 0, 1, 1, 1]
    by_key = {i.key: i for i in DEMO}
    assert statistics.depth(by_key["businesses_violating"], DEMO) == 2


def test_the_demo_figures_are_valid() -> None:
    from service.demo import example_statistics

    for index in range(11):
        assert statistics.validate(example_statistics(index), DEMO) == {}
