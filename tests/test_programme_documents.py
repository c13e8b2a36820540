"""Every document follows the campaign: another programme's documents speak of it alone, and
the demo's say each thing once."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from docx import Document as Docx
from flask import Flask
from sqlalchemy import select

from service.commands import actions, campaigns, documents, visits
from service.database import transaction
from service.demo import drive_campaign
from service.documents.render import render_docx
from service.documents.store import committed_template
from service.models import Campaign, Document, Organisation
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM
from tests.jobs_helper import run_due_jobs
from workflows import titles
from workflows.vocabulary import JobKind, OrganisationKind

# Words of the demo's programme that no document of another programme may contain.
FOREIGN = ("mại dâm", "138", "II.3", "Mục II")
# A phrase of two words or more printed twice in a row ("Kế hoạch kiểm tra kế hoạch kiểm tra").
DOUBLED = re.compile(r"\b(\w+(?: \w+)+)[ ,]+\1\b", re.IGNORECASE)


def doubled(text: str) -> list[str]:
    """The phrases printed twice in a row within a paragraph or a table cell of `text`."""
    found = (DOUBLED.search(" ".join(line.split())) for line in text.splitlines())
    return [match.group(0) for match in found if match]


TITLE = "Kế hoạch kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026"
SUBJECT = "công tác bảo vệ, chăm sóc trẻ em năm 2026"
CONTENTS = [
    {
        "number": 1,
        "title": "Việc ban hành và tổ chức thực hiện văn bản về trẻ em",
        "run_in": False,
        "paragraphs": ["- Ban hành kế hoạch, văn bản chỉ đạo, hướng dẫn thực hiện."],
    },
    {
        "number": 2,
        "title": "Việc thực hiện chính sách trợ giúp trẻ em có hoàn cảnh đặc biệt",
        "run_in": False,
        "paragraphs": ["Rà soát, lập danh sách, quản lý hồ sơ trẻ em có hoàn cảnh đặc biệt."],
    },
]
INDICATORS = [
    {"key": "children", "label": "Tổng số trẻ em trên địa bàn", "short_label": "Trẻ em"},
    {
        "key": "children_special",
        "label": "Số trẻ em có hoàn cảnh đặc biệt",
        "short_label": "HCĐB",
        "parent": "children",
        "rule": "at_most",
    },
    {
        "key": "boys",
        "label": "Trong đó: trẻ em trai",
        "short_label": "Trai",
        "parent": "children_special",
        "rule": "sum",
    },
    {
        "key": "girls",
        "label": "Trong đó: trẻ em gái",
        "short_label": "Gái",
        "parent": "children_special",
        "rule": "sum",
    },
    {"key": "abuse_cases", "label": "Số vụ xâm hại trẻ em được phát hiện", "short_label": "Vụ"},
]
PREPARATION = [
    "Báo cáo kết quả thực hiện công tác bảo vệ, chăm sóc trẻ em năm 2026 của đơn vị",
    "Danh sách trẻ em có hoàn cảnh đặc biệt và hồ sơ trợ giúp;",
]
SUB_UNIT = "Ủy ban nhân dân xã, phường được chọn"  # staff typed "được chọn" themselves
# The district of each target and the commune it chose.
CHOSEN = {
    "thành phố Lạng Sơn": "phường Vĩnh Trại",
    "huyện Cao Lộc": "thị trấn Đồng Đăng",
    "huyện Văn Lãng": "thị trấn Na Sầm",
}
FIGURES = [
    {"children": 900, "children_special": 40, "boys": 22, "girls": 18, "abuse_cases": 1},
    {"children": 700, "children_special": 25, "boys": 10, "girls": 15, "abuse_cases": 0},
    {"children": 500, "children_special": 12, "boys": 6, "girls": 6, "abuse_cases": 2},
]


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def docx_text(content: bytes) -> str:
    doc = Docx(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _rendered(doc: Document) -> str:
    return docx_text(render_docx(committed_template(doc.kind), doc.context))


def _child_protection() -> int:
    """A campaign of another programme on the demo's agency tree, with its own sub-units."""
    with transaction() as db:
        demo = load_demo(db)
        offices = {t.office.district: t.office for t in demo.targets}
        campaign = campaigns.create(
            db,
            SYSTEM,
            {
                "issuer_id": demo.issuer_id,
                "unit_id": demo.unit_id,
                "signer_id": demo.signer_id,
                "year": 2026,
                "title": TITLE,
                "programme": SUBJECT,
                "subject_lines": ["Kiểm tra công tác bảo vệ, chăm sóc trẻ em", "năm 2026"],
                "legal_bases": ["Luật Trẻ em ngày 05 tháng 4 năm 2016"],
                "introduction": "Sở xây dựng Kế hoạch kiểm tra như sau:",
                "purposes": ["- Đánh giá kết quả thực hiện chính sách về trẻ em."],
                "requirements": "Khách quan, đúng nội dung.",
                "contents": CONTENTS,
                "targets_description": ["- Ba huyện, thành phố."],
                "method": "Nghe báo cáo, kiểm tra hồ sơ.",
                "composition": ["- Đoàn kiểm tra của Sở."],
                "time_window": "Tháng 5 năm 2026",
                "indicators": INDICATORS,
                "preparation": PREPARATION,
                "sub_unit_label": SUB_UNIT,
                "recipients": ["UBND các huyện, thành phố", "Lãnh đạo Sở"],
                "report_recipients": ["UBND tỉnh (b/c)", "Lãnh đạo Sở"],
                "contact_phone": "02053.812345",
            },
        )
        for district, commune in CHOSEN.items():
            office = offices[district]
            sub_unit = Organisation(
                parent_id=office.parent_id,
                kind=OrganisationKind.COMMUNE_COMMITTEE,
                name=f"Ủy ban nhân dân {commune}",
                header_name=f"ỦY BAN NHÂN DÂN {commune.upper()}",
                code=f"UBNDXA-{len(district)}-{len(commune)}",
                place_name=commune.split(" ", 2)[-1],
                district=district,
                email=f"xa{len(commune)}@langson.example.org",
            )
            db.add(sub_unit)
            db.flush()
            campaigns.add_target(db, SYSTEM, campaign.id, office.id, sub_unit.id)
        for member in demo.members:
            campaigns.add_member(db, SYSTEM, campaign.id, member.person_id, member.role)
        return campaign.id


def _drive(campaign_id: int) -> None:
    """Plan, team, one notice per visit, results and minutes, the report."""
    with transaction() as db:
        actions.perform(db, SYSTEM, campaign_id, "issue_plan", actions.Step(date(2026, 3, 2)))
        actions.perform(db, SYSTEM, campaign_id, "decide_team", actions.Step(date(2026, 3, 9)))
    with transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for i, target in enumerate(campaign.targets):
            start = datetime(2026, 5, 4 + i, 8, 0)
            end = start + timedelta(hours=3)
            visits.schedule(db, SYSTEM, campaign_id, target.id, start, end, "Hội trường UBND")
        actions.perform(db, SYSTEM, campaign_id, "schedule_visits", actions.Step(date(2026, 4, 20)))
    run_due_jobs(kind=JobKind.ISSUE)  # a notice per visit
    with transaction() as db:
        documents.draft(db, SYSTEM, campaign_id, "TB")  # one notice to all three, a draft
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for i, target in enumerate(campaign.targets):
            visit = target.visit
            assert visit is not None
            result = {
                "team_attendees": ["Ông Nguyễn Văn Giang, Phó Giám đốc Sở, Trưởng đoàn"],
                "unit_attendees": [f"Lãnh đạo {target.office.name}"],
                "statistics": FIGURES[i],
                "findings": {"1": "Đã ban hành kế hoạch.", "2": "Đã rà soát hồ sơ."},
                "unit_comments": "Thống nhất.",
                "unit_representative": "Hoàng Văn Minh",
                "unit_representative_position": "TRƯỞNG PHÒNG",
            }
            visits.record(db, SYSTEM, visit.id, result)
            minutes = documents.draft(db, SYSTEM, campaign_id, "BB", visit_id=visit.id)
            documents.issue(db, SYSTEM, minutes.id, visit.scheduled_start.date())
        actions.perform(db, SYSTEM, campaign_id, "issue_report", actions.Step(date(2026, 6, 1)))


def _documents(campaign_id: int) -> list[Document]:
    with transaction() as db:
        query = select(Document).where(Document.campaign_id == campaign_id).order_by(Document.id)
        docs = list(db.scalars(query))
        db.expunge_all()
        return docs


def test_another_programmes_documents_speak_of_it_alone(ctx: None) -> None:
    campaign_id = _child_protection()
    _drive(campaign_id)
    docs = _documents(campaign_id)
    by_kind: dict[str, list[Document]] = {}
    for doc in docs:
        by_kind.setdefault(doc.kind, []).append(doc)
    assert {kind: len(found) for kind, found in by_kind.items()} == {
        "KH": 1,
        "QD": 1,
        "TB": 4,
        "BB": 3,
        "BC": 1,
    }
    for doc in docs:
        text = _rendered(doc)
        printed = json.dumps(doc.context, ensure_ascii=False) + text
        assert [w for w in FOREIGN if w in printed] == [], (doc.kind, doc.id)
        assert doubled(text) == [], doc.kind

    decision = by_kind["QD"][0].context
    assert " ".join(decision["subject_lines"]) == f"Về việc thành lập Đoàn kiểm tra {SUBJECT}"
    assert decision["team_name"] == f"Đoàn kiểm tra {SUBJECT}"
    assert decision["legal_bases"][-1].endswith(f"về kiểm tra {SUBJECT};")

    *single, overview = by_kind["TB"]
    cao_loc = next(d for d in single if "Cao Lộc" in d.context["addressees"][0])
    notice = cao_loc.context
    assert " ".join(notice["subject_lines"]) == f"Lịch kiểm tra {SUBJECT}"
    assert notice["addressees"] == [
        "- Phòng Lao động, Thương binh, Xã hội - Dân tộc huyện Cao Lộc;",
        "- Ủy ban nhân dân thị trấn Đồng Đăng.",
    ]
    assert notice["sub_unit_heading"] == "Ủy ban nhân dân thị trấn được chọn"  # the kind chosen
    assert notice["preparation"] == [
        "- Báo cáo kết quả thực hiện công tác bảo vệ, chăm sóc trẻ em năm 2026 của đơn vị;",
        "- Danh sách trẻ em có hoàn cảnh đặc biệt và hồ sơ trợ giúp.",
    ]
    assert notice["invitation"]["summary"] == (
        f"Kiểm tra {SUBJECT} tại Phòng Lao động, Thương binh, Xã hội - Dân tộc huyện Cao Lộc"
    )
    text = " ".join(_rendered(cao_loc).split())
    assert text.count("Thực hiện") == 1
    assert "Thực hiện Kế hoạch số 01/KH-SLĐTBXH ngày 02/3/2026 của Sở Lao động" in text
    assert overview.context["addressees"] == [
        "- Phòng Lao động - Thương binh và Xã hội thành phố Lạng Sơn;",
        "- Phòng Lao động, Thương binh, Xã hội - Dân tộc các huyện;",
        "- Ủy ban nhân dân xã, phường được lựa chọn.",
    ]

    minutes = by_kind["BB"][0].context
    assert minutes["subject_lines"][0] == f"Kiểm tra {SUBJECT}"
    assert [(f["number"], f["title"]) for f in minutes["findings"]] == [
        (1, CONTENTS[0]["title"]),
        (2, CONTENTS[1]["title"]),
    ]
    assert re.search(r"theo Quyết định số \d\d/QĐ-SLĐTBXH ngày", minutes["opening"])
    assert "thực hiện Kế hoạch số 01/KH-SLĐTBXH ngày 02/3/2026" in minutes["opening"]
    assert f"về kiểm tra {SUBJECT}, tiến hành" in minutes["opening"]

    report = by_kind["BC"][0].context
    assert report["subject_lines"] == [f"Kết quả kiểm tra {SUBJECT}"]
    assert report["recipients"] == ["- UBND tỉnh (b/c);", "- Lãnh đạo Sở;", "- Lưu: VT, PCTNXH."]
    mailed = [r["address"] for line in report["routing"]["lines"] for r in line["recipients"]]
    assert mailed[0] == "ubnd@langson.example.org"


def _opening(doc: Document) -> str:
    text = " ".join(_rendered(doc).split())
    start = text.index("Thực hiện")
    return text[start : text.index("như sau:", start)].strip()


def test_the_demos_documents_say_each_thing_once(ctx: None) -> None:
    """The notice printed its opening twice ("Thực hiện Kế hoạch …, Thực hiện Kế hoạch …")."""
    with transaction() as db:
        campaign_id = load_demo(db, new_campaign=True).id
    drive_campaign(campaign_id)
    docs = _documents(campaign_id)
    notices = [doc for doc in docs if doc.kind == "TB"]
    assert len(notices) == 11
    for notice in notices:
        opening = _opening(notice)
        assert opening.count("Thực hiện") == 1 and opening.count("Kế hoạch số") == 1, opening
        assert opening.endswith(
            "Sở Lao động - Thương binh và Xã hội thông báo lịch kiểm tra cụ thể"
        )
        assert notice.context["preparation"][1] == (
            "- Số liệu thống kê theo Mục II.3 của Kế hoạch (gửi kèm bản điện tử);"
        )
    for doc in docs:
        assert doubled(_rendered(doc)) == [], doc.kind
    report = next(doc for doc in docs if doc.kind == "BC")
    assert report.context["recipients"] == [
        "- UBND tỉnh (b/c);",
        "- Ban Chỉ đạo 138 tỉnh (b/c);",
        "- UBND các huyện, thành phố;",
        "- Lãnh đạo Sở;",
        "- Lưu: VT, PCTNXH.",
    ]
    mailed = [
        r["address"] for line in report.context["routing"]["lines"] for r in line["recipients"]
    ]
    assert mailed[:2] == ["ubnd@langson.example.org", "bcd138@langson.example.org"]
    assert len(report.context["routing"]["lines"][2]["recipients"]) == 11


# A title that does not name the programme: the documents name it themselves, once.
PLAIN_TITLE = "Kế hoạch kiểm tra tại các huyện, thành phố năm 2026"
ISSUER = "Sở Lao động - Thương binh và Xã hội"


def _plain(**changes: object) -> int:
    """A campaign of another programme with two targets that chose no sub-unit: no subject
    lines, no introduction, no sub-unit label unless `changes` give them."""
    with transaction() as db:
        demo = load_demo(db)
        campaign = campaigns.create(
            db,
            SYSTEM,
            {
                "issuer_id": demo.issuer_id,
                "unit_id": demo.unit_id,
                "signer_id": demo.signer_id,
                "year": 2026,
                "title": PLAIN_TITLE,
                "programme": SUBJECT,
                "contents": CONTENTS,
                "indicators": INDICATORS,
                "recipients": ["Lãnh đạo Sở"],
                **changes,
            },
        )
        for target in demo.targets[:2]:
            campaigns.add_target(db, SYSTEM, campaign.id, target.office_id, None)
        return campaign.id


def _drafted(campaign_id: int, *kinds: str) -> dict[str, Document]:
    with transaction() as db:
        for kind in kinds:
            documents.draft(db, SYSTEM, campaign_id, kind)
    return {doc.kind: doc for doc in _documents(campaign_id)}


def _flat(doc: Document) -> str:
    return " ".join(_rendered(doc).split())


def test_documents_cite_the_programme_once_where_the_title_does_not(ctx: None) -> None:
    drafts = _drafted(_plain(), "KH", "TB", "BC")
    plan, notice, report = drafts["KH"], drafts["TB"], drafts["BC"]
    assert plan.context["introduction"] == (
        f"Để đánh giá kết quả thực hiện {SUBJECT}, {ISSUER} xây dựng {PLAIN_TITLE}, cụ thể như sau:"
    )
    assert notice.context["introduction"] == (
        f"{ISSUER} thông báo lịch kiểm tra {SUBJECT} cụ thể như sau:"
    )
    assert (
        f"Đoàn kiểm tra đã tiến hành kiểm tra {SUBJECT} tại 0/2 đơn vị."
        in (report.context["introduction"])
    )
    for doc in drafts.values():
        text = _flat(doc)
        assert text.count(SUBJECT) == 1, (doc.kind, text)
        assert doubled(_rendered(doc)) == [], doc.kind


def test_a_title_naming_the_programme_is_not_followed_by_it_again(ctx: None) -> None:
    """The programme's own words after "công tác"/"Chương trình" in the title name it."""
    title = "Công tác quản lý nhà nước về Chương trình bảo vệ, chăm sóc trẻ em năm 2026"
    drafts = _drafted(_plain(title=title), "KH", "TB", "BC")
    assert drafts["KH"].context["introduction"] == (
        f"{ISSUER} xây dựng Kế hoạch kiểm tra công tác quản lý nhà nước về Chương trình bảo vệ, "
        "chăm sóc trẻ em năm 2026, cụ thể như sau:"
    )
    assert drafts["TB"].context["introduction"] == (
        f"{ISSUER} thông báo lịch kiểm tra cụ thể như sau:"
    )
    for doc in drafts.values():
        assert SUBJECT not in _flat(doc), doc.kind
    typed = "Sở xây dựng Kế hoạch kiểm tra như sau:"  # what staff wrote is printed as written
    campaign_id = _plain(introduction=typed)
    assert _drafted(campaign_id, "KH")["KH"].context["introduction"] == typed


def test_the_plans_subject_comes_from_the_title_and_never_repeats_its_type(ctx: None) -> None:
    plan = _drafted(_plain(), "KH")["KH"]
    assert plan.context["subject_lines"] == ["Kiểm tra tại các huyện, thành phố năm 2026"]
    text = _flat(plan)
    assert "KẾ HOẠCH Kiểm tra tại các huyện, thành phố năm 2026" in text
    typed = ["Kế hoạch kiểm tra công tác bảo vệ, chăm sóc trẻ em", "năm 2026"]
    plan = _drafted(_plain(subject_lines=typed), "KH")["KH"]
    assert plan.context["subject_lines"] == [
        "Kiểm tra công tác bảo vệ, chăm sóc trẻ em",
        "năm 2026",
    ]
    assert "KẾ HOẠCH Kiểm tra công tác bảo vệ, chăm sóc trẻ em năm 2026" in _flat(plan)
    assert doubled(_rendered(plan)) == []


def _schedule_header(doc: Document) -> list[str]:
    table = Docx(io.BytesIO(render_docx(committed_template("TB"), doc.context))).tables[1]
    return [cell.text for cell in table.rows[0].cells]


def test_a_notice_without_sub_units_has_no_sub_unit_column(ctx: None) -> None:
    notice = _drafted(_plain(), "TB")["TB"]
    assert notice.context["sub_unit_heading"] == ""
    assert _schedule_header(notice) == ["STT", "Thời gian", "Đơn vị được kiểm tra", "Địa điểm"]
    assert "được chọn" not in _rendered(notice)
    # A campaign naming its sub-unit keeps the column, headed in its own words.
    notice = _drafted(_plain(sub_unit_label="Ủy ban nhân dân xã, phường"), "TB")["TB"]
    assert _schedule_header(notice) == [
        "STT",
        "Thời gian",
        "Đơn vị được kiểm tra",
        "Ủy ban nhân dân xã, phường được chọn",
        "Địa điểm",
    ]


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ([], ["Kiểm tra tại các huyện, thành phố năm 2026"]),
        (["  ", ""], ["Kiểm tra tại các huyện, thành phố năm 2026"]),
        (["Kế hoạch kiểm tra công tác X", "năm 2026"], ["Kiểm tra công tác X", "năm 2026"]),
        (["KẾ HOẠCH", "kiểm tra công tác X"], ["Kiểm tra công tác X"]),
        (["Kế hoạch: kiểm tra công tác X"], ["Kiểm tra công tác X"]),
        (["Kế hoạch hóa gia đình năm 2026"], ["Kế hoạch hóa gia đình năm 2026"]),
        (["Kiểm tra công tác X", "năm 2026"], ["Kiểm tra công tác X", "năm 2026"]),
    ],
)
def test_plan_subject_lines(typed: list[str], printed: list[str]) -> None:
    assert titles.plan_subject_lines(typed, PLAIN_TITLE) == printed


def test_a_programme_is_cited_unless_the_sentence_names_it() -> None:
    programme = "công tác phòng, chống mại dâm năm 2023"
    named = "Kế hoạch số 01/KH-X về kiểm tra công tác quản lý nhà nước về Chương trình phòng, "
    assert titles.programme_citation(programme, named + "chống mại dâm năm 2023") == ""
    assert titles.programme_citation(programme, "Kế hoạch kiểm tra tại các huyện") == programme
    assert titles.programme_citation("", "x") == ""
    nfd = unicodedata.normalize("NFD", named.upper() + "CHỐNG MẠI DÂM NĂM 2023")
    assert titles.programme_citation(programme, nfd) == ""
