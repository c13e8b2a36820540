"""The register belongs to the văn thư: the next number of a register is set, numbers issued
outside the system are recorded and never issued again, duplicates are refused, and the export
is the sổ đăng ký văn bản đi (columns, STT, order, real dates, title, print set-up)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.commands import documents, registers
from service.commands.numbering import take_number
from service.database import transaction
from service.errors import Invalid
from service.mail import register
from service.models import AuditEntry, Campaign, Organisation, RegisterEntry
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM, api_client
from tests.test_web_support import Accounts, accounts, campaign_id, csrf_token, sign_in

__all__ = ["accounts", "campaign_id"]  # fixtures used here

DAY = date(2023, 4, 5)


def _issuer(db: Session) -> Organisation:
    org = db.scalar(select(Organisation).where(Organisation.code == "SLĐTBXH"))
    assert org is not None
    return org


def _entry(org_id: int, number: int, **extra: Any) -> dict[str, Any]:
    return {
        "organisation_id": org_id,
        "series": "shared",
        "number": number,
        "code": "KH-SLĐTBXH",
        "issue_date": date(2023, 3, number % 28 + 1),
        "title": f"Kế hoạch số {number} cấp trên sổ giấy",
        "signer": "Nguyễn Văn Giang",
        "recipients": "UBND các huyện, thành phố",
        **extra,
    }


def _issue_plan(db: Session, campaign: Campaign) -> str:
    draft = documents.draft(db, SYSTEM, campaign.id, "KH")
    return documents.issue(db, SYSTEM, draft.id, DAY).reference


def _count_entries(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(RegisterEntry)) or 0)


def test_the_number_set_is_the_next_one_issued(db: Session) -> None:
    with transaction() as tx:
        campaign = load_demo(tx)
        org = _issuer(tx)
        data = {"organisation_id": org.id, "year": 2023, "series": "shared", "next_number": 54}
        registers.set_next_number(tx, SYSTEM, data)
    with transaction() as tx:
        plan = tx.get(Campaign, campaign.id)
        assert plan is not None and _issue_plan(tx, plan) == "54/KH-SLĐTBXH"
    with transaction() as tx:
        entry = tx.scalars(select(AuditEntry).where(AuditEntry.action == "register.next_number"))
        assert "số tiếp theo 01 → 54" in entry.one().detail


def test_numbers_recorded_outside_the_system_are_skipped_by_issuing(db: Session) -> None:
    with transaction() as tx:
        org = Organisation(kind="issuer", name="Sở", code="S")
        tx.add(org)
        tx.flush()
        for number in (1, 2, 3, 5):
            registers.record_entry(tx, SYSTEM, _entry(org.id, number, code="KH-S"))
        registers.record_entry(tx, SYSTEM, _entry(org.id, 7, code="QĐ-S", series="team"))
    with transaction() as tx:
        taken = [take_number(tx, org.id, 2023, "shared", "QĐ-S")[1] for _ in range(4)]
    # 1-3 and 5 are on paper in this series; 7 with the same code in another series.
    assert taken == [4, 6, 8, 9]
    with transaction() as tx:
        assert take_number(tx, org.id, 2023, "team")[1] == 1  # the team's own series
        assert take_number(tx, org.id, 2024, "shared")[1] == 1  # and the next year's


def test_a_number_or_a_number_and_code_used_already_is_refused(db: Session) -> None:
    with transaction() as tx:
        campaign = load_demo(tx)
        org = _issuer(tx)
        assert _issue_plan(tx, campaign) == "01/KH-SLĐTBXH"
        registers.record_entry(tx, SYSTEM, _entry(org.id, 5))
        org_id = org.id
    refusals = [
        (_entry(org_id, 5, code="QĐ-SLĐTBXH"), "Số 05 đã được ghi"),  # the register has 5
        (_entry(org_id, 1), "đã được cấp cho văn bản 01/KH-SLĐTBXH"),  # a document has 1
        (_entry(org_id, 5, series="team"), "05/KH-SLĐTBXH đã được ghi"),  # number + code
        (_entry(org_id, 1, series="team"), "đã được cấp cho văn bản 01/KH-SLĐTBXH"),
    ]
    for data, message in refusals:
        with pytest.raises(Invalid) as refused, transaction() as tx:
            registers.record_entry(tx, SYSTEM, data)
        assert message in refused.value.fields["number"], data
    with transaction() as tx:
        assert _count_entries(tx) == 1  # nothing half-written


def test_the_next_number_cannot_go_back_over_a_used_one(db: Session) -> None:
    with transaction() as tx:
        org = Organisation(kind="issuer", name="Sở", code="S")
        tx.add(org)
        tx.flush()
        registers.record_entry(tx, SYSTEM, _entry(org.id, 53, code="KH-S"))
    for wanted in (53, 40, 1):
        with pytest.raises(Invalid) as refused, transaction() as tx:
            data = {"organisation_id": org.id, "year": 2023, "series": "shared"}
            registers.set_next_number(tx, SYSTEM, {**data, "next_number": wanted})
        message = refused.value.fields["next_number"]
        assert "53/KH-S đã được dùng" in message and "từ 54 trở lên" in message
    with transaction() as tx:
        data = {"organisation_id": org.id, "year": 2023, "series": "shared", "next_number": 60}
        registers.set_next_number(tx, SYSTEM, data)
        registers.set_next_number(tx, SYSTEM, {**data, "next_number": 54})  # nothing used above
        assert take_number(tx, org.id, 2023, "shared")[1] == 54


def _book(app: Flask) -> tuple[int, int]:
    """The demo campaign with two numbers on paper (02 and 01, recorded out of order) and the
    plan issued after them; (campaign id, issuer id)."""
    with app.app_context(), transaction() as db:
        campaign = load_demo(db)
        org = _issuer(db)
        registers.record_entry(
            db, SYSTEM, _entry(org.id, 2, code="QĐ-SLĐTBXH", title="=cmd|' /C calc'!A0")
        )
        registers.record_entry(db, SYSTEM, _entry(org.id, 1, copies=4, keeper="VT"))
        assert _issue_plan(db, campaign) == "03/KH-SLĐTBXH"
        return campaign.id, org.id


def test_the_register_export_is_the_book_of_outgoing_documents(
    app: Flask, client: FlaskClient
) -> None:
    campaign, org = _book(app)
    response = client.get(f"/api/v1/register?year=2023&organisation_id={org}&format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    assert sheet["A1"].value == "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
    assert sheet["A2"].value == "SỔ ĐĂNG KÝ VĂN BẢN ĐI" and sheet["A3"].value == "Năm 2023"
    header = [c.value for c in sheet[register.HEADER_ROW]]
    assert header == [
        "STT",
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung văn bản",
        "Người ký",
        "Nơi nhận văn bản",
        "Đơn vị, người nhận bản lưu",
        "Số lượng bản",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ]
    rows = list(sheet.iter_rows(min_row=register.HEADER_ROW + 1))
    assert [r[0].value for r in rows] == [1, 2, 3]
    assert [r[1].value for r in rows] == ["01/KH-SLĐTBXH", "02/QĐ-SLĐTBXH", "03/KH-SLĐTBXH"]
    assert [r[2].value for r in rows] == [
        datetime(2023, 3, 2),
        datetime(2023, 3, 3),
        datetime(2023, 4, 5),
    ]
    assert all(r[2].is_date and r[2].number_format == "DD/MM/YYYY" for r in rows)
    assert rows[0][7].value == 4 and rows[0][6].value == "VT"
    assert rows[0][10].value.startswith("Số cấp ngoài hệ thống")
    assert rows[1][3].value == "'=cmd|' /C calc'!A0" and rows[1][3].data_type == "s"
    assert rows[2][3].value.startswith("Kế hoạch")
    # Printed: landscape A4, one page wide, the header on every page, margins set.
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == 9  # A4
    assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr is not None
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${register.HEADER_ROW}:${register.HEADER_ROW}"
    assert sheet.page_margins.left == pytest.approx(0.6)
    assert sheet.page_margins.top == pytest.approx(0.6)

    text = client.get("/api/v1/register?year=2023&format=csv").data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == header
    assert [(r[0], r[1], r[2]) for r in table[1:]] == [
        ("1", "01/KH-SLĐTBXH", "02/03/2023"),
        ("2", "02/QĐ-SLĐTBXH", "03/03/2023"),
        ("3", "03/KH-SLĐTBXH", "05/04/2023"),
    ]
    # One campaign's register: its documents only, the paper numbers are no campaign's.
    own = client.get(f"/api/v1/register?campaign_id={campaign}&format=csv").data
    assert [r[1] for r in list(csv.reader(io.StringIO(own.decode("utf-8-sig"))))[1:]] == [
        "03/KH-SLĐTBXH"
    ]


def test_the_register_through_the_api(app: Flask, client: FlaskClient) -> None:
    with app.app_context(), transaction() as db:
        load_demo(db)
        org = _issuer(db).id
    wanted = {"organisation_id": org, "year": 2023, "series": "shared", "next_number": 54}
    staff = api_client(app, "staff")
    assert staff.post("/api/v1/registers/next_number", json=wanted).status_code == 403
    answer = client.post("/api/v1/registers/next_number", json=wanted)
    assert answer.status_code == 200, answer.json
    assert answer.json["next_number"] == 54 and answer.json["last_number"] == 53
    entry = {**_entry(org, 54), "issue_date": "2023-04-03"}
    created = client.post("/api/v1/registers/entries", json=entry)
    assert created.status_code == 201 and created.json["reference"] == "54/KH-SLĐTBXH"
    again = client.post("/api/v1/registers/entries", json=entry)
    assert again.status_code == 422
    assert "Số 54 đã được ghi" in again.json["detail"]["json"]["number"][0]
    back = client.post("/api/v1/registers/next_number", json={**wanted, "next_number": 50})
    assert back.status_code == 422
    assert "từ 55 trở lên" in back.json["detail"]["json"]["next_number"][0]
    shown = client.get(f"/api/v1/registers?organisation_id={org}&year=2023").json
    shared = next(r for r in shown if r["series"] == "shared")
    assert (shared["highest_reference"], shared["next_number"], shared["entries"]) == (
        "54/KH-SLĐTBXH",
        55,
        1,
    )
    assert {r["series"] for r in shown} == {"shared", "team"}
    wrong = client.post("/api/v1/registers/entries", json={**entry, "series": "nope"})
    assert wrong.status_code == 422


def test_the_register_page_of_the_van_thu(app: Flask, accounts: Accounts, campaign_id: int) -> None:
    with app.app_context(), transaction() as db:
        org = _issuer(db).id
    clerk = app.test_client()
    assert sign_in(clerk, *accounts["clerk"]).status_code == 303
    page = clerk.get(f"/registers?organisation_id={org}&year=2023")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sổ đăng ký văn bản đi" in html and 'data-form="next-number"' in html
    token = csrf_token(html)
    base = {"csrf_token": token, "organisation_id": str(org)}
    done = clerk.post(
        "/registers/next_number",
        data={**base, "year": "2023", "series": "shared", "next_number": "54"},
    )
    assert done.status_code == 303
    html = clerk.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã đặt số tiếp theo: 54" in html and "<strong>54</strong>" in html
    entry = {
        **base,
        "series": "shared",
        "number": "54",
        "code": "KH - SLĐTBXH",  # spaces around "-" are dropped
        "issue_date": "03/04/2023",
        "title": "Kế hoạch cấp số trên sổ giấy",
    }
    recorded = clerk.post("/registers/entries", data=entry)
    assert recorded.status_code == 303
    html = clerk.get(recorded.headers["Location"]).get_data(as_text=True)
    assert "Đã ghi số 54/KH-SLĐTBXH vào sổ" in html and "<strong>55</strong>" in html
    twice = clerk.post("/registers/entries", data=entry)
    assert twice.status_code == 422
    assert "Số 54 đã được ghi" in twice.get_data(as_text=True)
    below = clerk.post(
        "/registers/next_number",
        data={**base, "year": "2023", "series": "shared", "next_number": "12"},
    )
    assert below.status_code == 422 and "từ 55 trở lên" in below.get_data(as_text=True)
    exported = clerk.get(f"/registers/export.xlsx?organisation_id={org}&year=2023")
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).active
    assert sheet is not None
    assert sheet.cell(register.HEADER_ROW + 1, 2).value == "54/KH-SLĐTBXH"
    with app.app_context(), transaction() as db:
        assert _count_entries(db) == 1

    staff = app.test_client()
    assert sign_in(staff, *accounts["staff"]).status_code == 303
    html = staff.get(f"/registers?organisation_id={org}&year=2023").get_data(as_text=True)
    assert "<strong>55</strong>" in html and 'data-form="next-number"' not in html
    token = csrf_token(html)
    refused = staff.post("/registers/entries", data={**entry, "csrf_token": token, "number": "60"})
    assert refused.status_code == 403
    with app.app_context(), transaction() as db:
        assert _count_entries(db) == 1
