"""Routing rules: one resolution gives the printed Nơi nhận block and the e-mail recipients."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from service.commands import documents
from service.documents import context
from service.seed import lang_son_2023 as seed
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM
from workflows import routing
from workflows.routing import Directory, Org, Recipient, TargetOrgs

SEED_BLOCK = [
    "- UBND các huyện, thành phố (PHCĐ);",
    "- Phòng LĐ, TB, XH-DT các huyện (TH);",
    "- Phòng LĐTBXH TPLS (TH);",
    "- Lãnh đạo Sở;",
    "- VP, Phòng KH-TC;",
    "- Lưu: VT, PCTNXH.",
]


def _org(ident: int, name: str, email: str | None, district: str = "", **extra: object) -> Org:
    return Org(ident, name, email=email, district=district, **extra)  # type: ignore[arg-type]


def _directory() -> Directory:
    city = _org(11, "Phòng LĐTBXH thành phố X", "tp@x.example", "thành phố X", code="LĐTBXH-TPLS")
    rural = _org(
        12,
        "Phòng LĐ huyện Y",
        "y@x.example",
        "huyện Y",
        contacts=(Recipient("Trưởng phòng Y", "tp-y@x.example", 12),),
    )
    silent = _org(13, "Phòng LĐ huyện Z", None, "huyện Z")
    return Directory(
        issuer=_org(1, "Sở X", "so@x.example", code="SX"),
        filing_unit="PCT",
        governing=_org(2, "UBND tỉnh X", "tinh@x.example", place="X"),
        agencies=(_org(3, "Ban Chỉ đạo tỉnh X", "bcd@x.example", place="X"),),
        unit=_org(4, "Phòng PCT", "pct@x.example", code="PCT"),
        units=(
            _org(4, "Phòng PCT", "pct@x.example", code="PCT"),
            _org(5, "Văn phòng", None, code="VP"),
        ),
        leaders=(Recipient("Giám đốc", "gd@x.example"), Recipient("Phó Giám đốc", "GD@X.example")),
        team=(Recipient("Trưởng đoàn", "gd@x.example"), Recipient("Thư ký", "")),
        committees=(
            _org(21, "UBND thành phố X", "ubnd-tp@x.example"),
            _org(22, "UBND huyện Y", "u-y@x.example"),
        ),
        offices=(city, rural, silent),
        targets=(TargetOrgs(rural, _org(31, "BCĐ 138 xã Y", "xa-y@x.example")),),
    )


def test_plan_prints_its_lines_and_mails_the_groups_they_stand_for() -> None:
    lines = [
        "UBND các huyện, thành phố (PHCĐ)",
        "Phòng LĐ, TB, XH-DT các huyện (TH)",
        "Phòng LĐTBXH TPLS (TH)",
        "Lãnh đạo Sở",
        "VP, Phòng KH-TC",
    ]
    resolved = routing.route("KH", _directory(), lines)
    assert resolved.printed() == [*SEED_BLOCK[:-1], "- Lưu: VT, PCT."]
    by_line = {line.text: [r.address for r in line.recipients] for line in resolved.lines}
    assert by_line["UBND các huyện, thành phố (PHCĐ)"] == ["ubnd-tp@x.example", "u-y@x.example"]
    assert by_line["Phòng LĐ, TB, XH-DT các huyện (TH)"] == ["y@x.example", "tp-y@x.example"]
    assert by_line["Phòng LĐTBXH TPLS (TH)"] == ["tp@x.example"]
    # One e-mail per address, whatever its case; the unit VP has no mailbox, KH-TC does not exist.
    mailing = [r.address for r in resolved.mailing()]
    assert mailing.count("gd@x.example") == 1 and len(mailing) == len(set(mailing)) == 6
    assert resolved.unmailed() == ["Phòng LĐ huyện Z", "Văn phòng"]


def test_notice_goes_to_the_office_its_commune_and_internal_copies() -> None:
    resolved = routing.route("TB", _directory())
    assert resolved.printed() == [
        "- Như trên;",
        "- Lãnh đạo Sở;",
        "- Thành viên Đoàn kiểm tra;",
        "- Lưu: VT, PCT.",
    ]
    assert [r.address for r in resolved.mailing()] == [
        "y@x.example",
        "tp-y@x.example",
        "xa-y@x.example",
        "gd@x.example",
    ]
    assert resolved.unmailed() == ["Thư ký"]


def test_minutes_report_and_decision_rules() -> None:
    d = _directory()
    minutes = routing.route("BB", d)
    assert minutes.printed() == ["- Phòng LĐ huyện Y;", "- Sở X;", "- Lưu: VT, Hồ sơ."]
    assert {r.address for r in minutes.mailing()} == {
        "y@x.example",
        "tp-y@x.example",
        "so@x.example",
    }
    # The report's lines are the campaign's, resolved like the plan's; the province's agencies
    # may be named without the province ("Ban Chỉ đạo tỉnh" for "Ban Chỉ đạo tỉnh X").
    written = ["UBND tỉnh (b/c)", "Ban Chỉ đạo tỉnh (b/c)", "UBND các huyện, thành phố"]
    report = routing.route("BC", d, written)
    assert report.printed() == [
        "- UBND tỉnh (b/c);",
        "- Ban Chỉ đạo tỉnh (b/c);",
        "- UBND các huyện, thành phố;",
        "- Lưu: VT, PCT.",
    ]
    assert [r.address for r in report.mailing()] == [
        "tinh@x.example",
        "bcd@x.example",
        "ubnd-tp@x.example",
        "u-y@x.example",
    ]
    assert routing.route("BC", d).printed() == ["- Lưu: VT, PCT."]
    decision = routing.route("QD", d)
    assert decision.printed()[0] == "- Như Điều 3;"
    assert "pct@x.example" in {r.address for r in decision.mailing()}


def test_a_line_naming_one_organisation_reaches_it_and_an_unknown_line_is_printed_only() -> None:
    resolved = routing.route("KH", _directory(), ["Ban Chỉ đạo tỉnh X", "Công an tỉnh;"])
    assert resolved.printed() == [
        "- Ban Chỉ đạo tỉnh X;",
        "- Công an tỉnh;",
        "- Lưu: VT, PCT.",
    ]
    assert [r.address for r in resolved.mailing()] == ["bcd@x.example"]
    assert resolved.unmailed() == ["Công an tỉnh"]


def test_malformed_addresses_are_not_mailed() -> None:
    assert routing.normal_address(" A.B@Example.ORG ") == "a.b@example.org"
    for bad in ("", None, "không có", "a@b", "a b@c.org", "a@b.org\r\nBcc: x@y.org"):
        assert routing.normal_address(bad) is None


def test_routing_survives_the_frozen_context() -> None:
    resolved = routing.route("TB", _directory())
    again = routing.Routing.from_dict(resolved.to_dict())
    assert again == resolved and again.copies() == resolved.copies()


def test_reminder_window() -> None:
    start = datetime(2023, 9, 5, 8, 0)
    assert not routing.reminder_due(start, datetime(2023, 9, 2, 7, 59), 3)
    assert routing.reminder_due(start, datetime(2023, 9, 2, 8, 0), 3)
    assert routing.reminder_due(start, datetime(2023, 9, 5, 7, 59), 3)
    assert not routing.reminder_due(start, datetime(2023, 9, 5, 8, 0), 3)


def test_seed_plan_prints_the_seed_and_mails_eleven_district_committees(db: Session) -> None:
    campaign = load_demo(db)
    plan = documents.draft(db, SYSTEM, campaign.id, "KH")
    assert plan.context["recipients"] == SEED_BLOCK
    assert plan.context["recipients"] == context.recipient_lines(seed.PLAN["recipients"], "PCTNXH")
    resolved = routing.Routing.from_dict(plan.context["routing"])
    committees = resolved.lines[0]
    assert committees.text == "UBND các huyện, thành phố (PHCĐ)"
    assert len(committees.recipients) == 11
    assert all(r.address.startswith("ubnd-") for r in committees.recipients)
    # The ten rural offices and the city office, each with its head's mailbox.
    assert len(resolved.lines[1].recipients) == 20 and len(resolved.lines[2].recipients) == 2
    assert [r.name for r in resolved.lines[3].recipients] == ["Nguyễn Văn Giang"]
    assert resolved.unmailed() == ["VP, Phòng KH-TC"]
    assert len(resolved.mailing()) == 34
    db.rollback()


def test_an_office_named_by_its_code_is_found_in_the_directory_not_in_a_phrase_list() -> None:
    """ "Phòng LĐTBXH TPLS" reaches the office whose code is LĐTBXH-TPLS because its data says
    so: no wording of one province's city is built into the routing."""
    assert not [phrase for phrase in routing.PHRASES if "tpls" in phrase or "lạng sơn" in phrase]
    directory = _directory()
    city, *others = directory.offices
    elsewhere = replace(directory, offices=(replace(city, code="LĐTBXH-TPX"), *others))
    lines = ["Phòng LĐTBXH TPLS (TH)", "Phòng LĐTBXH TPX", "LĐTBXH TPX"]
    resolved = routing.route("KH", elsewhere, lines)
    by_line = {line.text: [r.address for r in line.recipients] for line in resolved.lines}
    assert by_line == {
        "Phòng LĐTBXH TPLS (TH)": [],
        "Phòng LĐTBXH TPX": ["tp@x.example"],
        "LĐTBXH TPX": ["tp@x.example"],
    }
    assert resolved.unmailed() == ["Phòng LĐTBXH TPLS (TH)"]
