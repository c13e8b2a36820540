"""Documents' titles and addressees from what staff type: no phrase doubled, nothing invented."""

from __future__ import annotations

import re
import unicodedata

import pytest

from workflows import titles
from workflows.addressing import Addressee, addressees, sub_unit_heading

SUBJECT = "công tác bảo vệ, chăm sóc trẻ em năm 2026"

# Whatever staff type as the campaign's title, the subject of the inspection is the same.
TYPED = [
    "Công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "Kế hoạch kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "KẾ HOẠCH KIỂM TRA công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "kế hoạch kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026.",
    "Kế hoạch công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "Kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "Kế hoạch: kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "Kế hoạch kiểm tra - Công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "  Kế   hoạch  kiểm tra\tcông tác bảo vệ, chăm sóc trẻ em   năm 2026 ",
    "Kế hoạch kiểm tra Kế hoạch kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "Đoàn kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "Kết quả kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026",
    "Lịch kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026",
    unicodedata.normalize("NFD", "Kế hoạch kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026"),
]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


@pytest.mark.parametrize("typed", TYPED)
def test_the_subject_is_the_title_without_the_words_documents_print_before_it(typed: str) -> None:
    assert titles.subject(typed) == SUBJECT
    assert titles.plan_title(typed) == f"Kế hoạch kiểm tra {SUBJECT}"
    assert titles.team_name(typed) == f"Đoàn kiểm tra {SUBJECT}"
    assert titles.decision_subject(typed) == f"Về việc thành lập Đoàn kiểm tra {SUBJECT}"
    assert titles.notice_subject(typed) == f"Lịch kiểm tra {SUBJECT}"
    assert titles.minutes_subject(typed) == f"Kiểm tra {SUBJECT}"
    assert titles.report_subject(typed) == f"Kết quả kiểm tra {SUBJECT}"
    assert titles.visit_summary(typed, " Phòng  A ") == f"Kiểm tra {SUBJECT} tại Phòng A"
    reference = titles.plan_reference(typed, "01/KH-SX", "05/4/2026", "Sở X")
    assert reference == f"Kế hoạch số 01/KH-SX ngày 05/4/2026 của Sở X về kiểm tra {SUBJECT}"


DOUBLED = re.compile(r"\b(\w+(?: \w+)+) \1\b", re.IGNORECASE)


@pytest.mark.parametrize(
    "typed",
    [
        *TYPED,
        "Kiểm tra kiểm tra",
        "Kế hoạch",
        "Kế hoạch kiểm tra",
        "Kế hoạch hóa gia đình năm 2026",  # "Kế hoạch" is a word of its own here: kept
        "UBND các xã thực hiện Chương trình",
        "",
    ],
)
def test_no_title_prints_a_phrase_twice(typed: str) -> None:
    for build in (
        titles.plan_title,
        titles.team_name,
        titles.decision_subject,
        titles.notice_subject,
        titles.minutes_subject,
        titles.report_subject,
    ):
        text = build(typed)
        assert not DOUBLED.search(text), text
        assert text == unicodedata.normalize("NFC", text) and "  " not in text


def test_words_of_the_subject_itself_are_kept() -> None:
    # "Kế hoạch hóa" is not the document's "Kế hoạch"; "Kiểm tra viên" not its "kiểm tra".
    assert titles.subject("Kế hoạch hóa gia đình năm 2026") == "kế hoạch hóa gia đình năm 2026"
    assert titles.subject("Kiểm tra viên cấp huyện") == "kiểm tra viên cấp huyện"
    # An abbreviation keeps its capitals; a proper noun later in the title keeps its own.
    assert titles.subject("UBND các xã") == "UBND các xã"
    demo = "Công tác quản lý nhà nước về Chương trình phòng, chống mại dâm năm 2023"
    assert titles.subject(demo) == _lower_first(demo)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


CITY = Addressee(
    "Phòng Lao động - Thương binh và Xã hội thành phố Lạng Sơn",
    "thành phố Lạng Sơn",
    "Ủy ban nhân dân phường Vĩnh Trại",
)
CAO_LOC = Addressee(
    "Phòng Lao động, Thương binh, Xã hội - Dân tộc huyện Cao Lộc",
    "huyện Cao Lộc",
    "Ủy ban nhân dân thị trấn Đồng Đăng",
)
VAN_LANG = Addressee(
    "Phòng Lao động, Thương binh, Xã hội - Dân tộc huyện Văn Lãng",
    "huyện Văn Lãng",
    "Ủy ban nhân dân thị trấn Na Sầm",
)


def test_a_notice_to_one_target_names_its_office_and_its_sub_unit() -> None:
    assert addressees([CAO_LOC], "Ủy ban nhân dân xã, phường") == [CAO_LOC.office, CAO_LOC.sub_unit]
    assert addressees([Addressee(CAO_LOC.office, CAO_LOC.district)], "x") == [CAO_LOC.office]


def test_a_notice_to_several_targets_groups_offices_of_one_kind_and_names_the_sub_units() -> None:
    assert addressees([CITY, CAO_LOC, VAN_LANG], "Ủy ban nhân dân xã, phường được chọn") == [
        CITY.office,
        "Phòng Lao động, Thương binh, Xã hội - Dân tộc các huyện",
        "Ủy ban nhân dân xã, phường được lựa chọn",
    ]
    # Without the campaign's name for them, the sub-units by their own names; without any, none.
    assert addressees([CAO_LOC, VAN_LANG], "") == [
        "Phòng Lao động, Thương binh, Xã hội - Dân tộc các huyện",
        CAO_LOC.sub_unit,
        VAN_LANG.sub_unit,
    ]
    bare = [Addressee(CAO_LOC.office, CAO_LOC.district), Addressee(CITY.office, CITY.district)]
    assert addressees(bare, "Ban Chỉ đạo xã") == [CAO_LOC.office, CITY.office]
    towns = [
        Addressee("Phòng Văn hóa thị xã A", "thị xã A"),
        Addressee("Phòng Văn hóa huyện B", "huyện B"),
        Addressee("Phòng Văn hóa huyện C", "huyện C"),
    ]
    assert addressees(towns, "") == ["Phòng Văn hóa các thị xã, huyện"]
    # An office whose name does not end with its district is named as it is.
    odd = [Addressee("Trung tâm A", "huyện A"), Addressee("Trung tâm A", "huyện B")]
    assert addressees(odd, "") == ["Trung tâm A"]


@pytest.mark.parametrize(
    ("label", "heading"),
    [
        ("Ban Chỉ đạo 138 xã, phường, thị trấn", "Ban Chỉ đạo 138 xã, phường, thị trấn được chọn"),
        ("Ủy ban nhân dân xã, phường được chọn", "Ủy ban nhân dân xã, phường được chọn"),
        ("Trường học được lựa chọn.", "Trường học được chọn"),
        ("Trạm y tế ĐÃ ĐƯỢC CHỌN", "Trạm y tế được chọn"),
        ("", "Đơn vị cấp xã được chọn"),
        ("  ", "Đơn vị cấp xã được chọn"),
    ],
)
def test_the_sub_unit_heading_says_chosen_once(label: str, heading: str) -> None:
    assert sub_unit_heading(label) == heading
