"""Input the registers, the columns, the mail headers or the parser cannot take is refused with a
field message (422), through the API, the UI and the CLI alike, never a 500 (issue 12)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError

from service import cli
from service.commands import tokens, users
from service.config import Config
from service.database import session, transaction
from service.errors import Invalid
from service.mail.compose import Mail, compose
from service.models import Campaign, Organisation, Register, User
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM, campaign_targets
from tests.test_web_support import Accounts, accounts, campaign_id, csrf_token, sign_in
from workflows import limits, routing, text

__all__ = ["accounts", "campaign_id"]  # fixtures used here

RLO = "\u202e"


def _fields(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 422, response.get_data(as_text=True)
    fields: dict[str, list[str]] = response.json["detail"]["json"]
    return fields


def _signed_in(client: FlaskClient, accounts: Accounts, role: str = "admin") -> str:
    assert sign_in(client, *accounts[role]).status_code == 303
    return csrf_token(client.get("/").get_data(as_text=True))


# The rules, without Flask.


def test_the_date_window() -> None:
    today = date(2024, 2, 29)
    assert limits.issue_date_problem(date(2023, 8, 21), today) is None
    assert limits.issue_date_problem(today, today) is None
    for day in (date(1, 1, 1), date(1999, 12, 31)):
        assert (
            limits.issue_date_problem(day, today) == "Phải từ ngày 01/01/2000 đến ngày 29/02/2024"
        )
    for day in (date(2024, 3, 1), date(9999, 12, 31)):
        assert "trong tương lai" in (limits.issue_date_problem(day, today) or "")
    now = datetime(2024, 5, 1, 9, 0)
    assert limits.moment_problem(datetime(2023, 9, 5, 8), now) is None
    assert limits.moment_problem(datetime(1, 1, 1), now) is not None
    assert limits.moment_problem(datetime(2030, 1, 1), now) is not None
    assert limits.year_problem(2023) is None and limits.year_problem(9999) is not None


def test_json_depth_is_counted_without_recursion() -> None:
    deep = "[" * 20000 + "]" * 20000
    assert limits.json_depth(deep) == 20000
    assert limits.json_depth('{"a": [1, {"b": "[[[[[[[[["}]}') <= 3
    assert limits.json_depth('"' + "[" * 100 + '\\"' + '"') == 0  # brackets inside a string


def test_invisible_characters_are_refused_by_name() -> None:
    assert text.invisible_problem("Nguyễn Văn A 😀") is None  # emoji: a later issue decides
    problem = text.invisible_problem(f"Phòng {RLO}cod.exe")
    assert problem is not None and "U+202E" in problem and "vị trí 7" in problem
    for char in "\u202a\u202d\u2066\u2069\u200b\u200f\u2060\ufeff":
        assert text.invisible_problem(f"a{char}b") is not None


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("vanthu@x.gov.vn\nBcc: ai@y.vn", "xuống dòng"),
        ("vanthu@\nx.gov.vn", "xuống dòng"),
        ("a@x.gov.vn, b@y.vn", "một địa chỉ"),
        ("a@x.gov.vn;b@y.vn", "một địa chỉ"),
        ("a" * 60 + "@" + "b" * 200 + ".vn", "254"),
        ("không có", "không hợp lệ"),
        ("a@b", "không hợp lệ"),
        ("a..b@x.vn", "không hợp lệ"),
        ("<a@x.vn>", "không hợp lệ"),
    ],
)
def test_one_valid_address(address: str, reason: str) -> None:
    problem = routing.address_problem(address)
    assert problem is not None and reason in problem
    assert routing.normal_address(address) is None


def test_a_stored_malformed_address_is_listed_unmailed_not_dropped() -> None:
    office = routing.Org(
        1,
        "Phòng LĐTBXH huyện A",
        email="phong@a.example",
        contacts=(routing.Recipient("Trưởng phòng", "truong.phong@a.example,x@evil.example", 1),),
    )
    issuer = routing.Org(9, "Sở", email="so@x.example")
    directory = routing.Directory(issuer=issuer, filing_unit="PCT", offices=(office,))
    resolved = routing.route("KH", directory, ["Phòng LĐTBXH huyện A"])
    assert [r.address for r in resolved.mailing()] == ["phong@a.example"]
    assert resolved.unmailed() == [f"Trưởng phòng ({routing.MALFORMED})"]
    assert resolved.copies() == 1 + 2  # the office, and the two file copies
    assert routing.Routing.from_dict(resolved.to_dict()) == resolved


def test_a_malformed_reply_to_is_never_a_header() -> None:
    mail = Mail(
        purpose="document",
        message_id="<vanthu.1.document.x@x.example>",
        sender="vanthu@x.example",
        sender_name="Sở",
        recipient="phong@a.example",
        recipient_name="Phòng",
        kind_label="Thông báo",
        reference="01/TB-S",
        issue_date=date(2023, 8, 21),
        subject_line="kiểm tra",
        contact="Phòng Chính sách",
        reply_to="pcs@x.example\nBcc: ai@evil.example",
    )
    assert "Reply-To" not in compose(mail, datetime(2023, 8, 21, 8))
    good = compose(replace(mail, reply_to="PCS@X.example"), datetime(2023, 8, 21))
    assert good["Reply-To"] == "pcs@x.example"


# Dates (finding 7) and odd datetimes (finding 12), through the API and the UI.


@pytest.mark.parametrize(
    ("day", "says"),
    [
        ("0001-01-01", "Phải từ ngày 01/01/2000"),
        ("9999-12-31", "trong tương lai"),
        ("1999-12-31", "Phải từ ngày 01/01/2000"),
    ],
)
def test_an_issue_date_outside_the_window_is_422_and_takes_no_number(
    client: FlaskClient, campaign_id: int, day: str, says: str
) -> None:
    response = client.post(
        f"/api/v1/campaigns/{campaign_id}/actions/issue_plan", json={"issue_date": day}
    )
    assert says in _fields(response)["issue_date"][0]
    assert session().scalar(select(func.count(Register.id))) == 0
    plan = client.post(
        f"/api/v1/campaigns/{campaign_id}/actions/issue_plan", json={"issue_date": "2023-04-05"}
    )
    assert plan.status_code == 200, plan.json


def test_an_issue_date_outside_the_window_is_refused_in_the_ui(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    client = app.test_client()
    token = _signed_in(client, accounts)
    response = client.post(
        f"/campaigns/{campaign_id}/actions/issue_plan",
        data={"csrf_token": token, "issue_date": "31/12/9999"},
    )
    assert response.status_code == 303
    assert "trong tương lai" in client.get("/").get_data(as_text=True)
    assert session().scalar(select(func.count(Register.id))) == 0


@pytest.mark.parametrize(
    ("start", "field"),
    [("0001-01-01T00:00:00+14:00", "start"), ("0001-01-01T08:00:00", "start")],
)
def test_a_visit_time_outside_the_window_is_422(
    client: FlaskClient, campaign_id: int, start: str, field: str
) -> None:
    issued = client.post(
        f"/api/v1/campaigns/{campaign_id}/actions/issue_plan", json={"issue_date": "2023-04-05"}
    )
    assert issued.status_code == 200
    target = campaign_targets(client, campaign_id)[0]
    response = client.post(
        f"/api/v1/campaigns/{campaign_id}/visits",
        json={"target_id": target["id"], "start": start, "end": "2023-09-05T11:30:00"},
    )
    assert field in _fields(response)


# Deep JSON (finding 12).


def test_json_nested_20000_deep_is_refused_before_parsing(client: FlaskClient) -> None:
    for path in ("/api/v1/campaigns", "/api/v1/organisations", "/api/v1/people"):
        response = client.post(
            path, data="[" * 20000 + "]" * 20000, content_type="application/json"
        )
        assert response.status_code == 400
        assert "lồng nhau quá sâu" in response.json["message"]


# Ids above 2³¹ in UI forms (finding 12).


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/campaigns/{c}/targets", {"office_id": str(2**31)}),
        ("/campaigns/{c}/targets", {"office_id": "1", "commune_id": str(2**63)}),
        ("/campaigns/{c}/team", {"person_id": str(2**31), "role": "member"}),
        ("/campaigns/{c}/documents", {"kind": "BB", "visit_id": str(2**40)}),
        ("/users", {"username": "moi.ten", "role": "staff", "organisation_id": str(2**31)}),
    ],
)
def test_ids_above_int32_in_ui_forms_are_refused(
    app: Flask, accounts: Accounts, campaign_id: int, path: str, data: dict[str, str]
) -> None:
    client = app.test_client()
    token = _signed_in(client, accounts)
    response = client.post(path.format(c=campaign_id), data={"csrf_token": token, **data})
    assert response.status_code in (303, 422)  # the form again, or back with its message


# E-mail addresses (finding 10).


@pytest.mark.parametrize(
    "email", ["vanthu@x.gov.vn\nBcc: ai@y.vn", "a@x.gov.vn,b@y.vn", "không có thư"]
)
def test_organisation_and_contact_addresses_are_validated(
    client: FlaskClient, campaign_id: int, email: str
) -> None:
    created = client.post(
        "/api/v1/organisations", json={"kind": "district_office", "name": "Phòng A", "email": email}
    )
    assert "email" in _fields(created)
    org_id = client.get(f"/api/v1/campaigns/{campaign_id}").json["issuer_id"]
    assert "email" in _fields(
        client.patch(f"/api/v1/organisations/{org_id}", json={"email": email})
    )
    contact = client.post(
        f"/api/v1/organisations/{org_id}/contacts", json={"name": "Chánh VP", "email": email}
    )
    assert "email" in _fields(contact)
    assert "email" in _fields(
        client.post("/api/v1/people", json={"full_name": "Hoàng Văn A", "email": email})
    )
    kept = client.patch(f"/api/v1/organisations/{org_id}", json={"email": " vp@x.gov.vn "})
    assert kept.status_code == 200 and kept.json["email"] == "vp@x.gov.vn"


def test_seed_addresses_are_valid(app: Flask) -> None:
    with app.app_context(), transaction() as db:
        load_demo(db)
        addresses = [org.email for org in db.scalars(select(Organisation)) if org.email]
        addresses += [c.email for org in db.scalars(select(Organisation)) for c in org.contacts]
    assert addresses and all(routing.address_problem(a) is None for a in addresses)


# Names and titles: invisible characters (finding 16) and column lengths (finding 11).


def test_invisible_characters_in_names_and_titles_are_422(
    client: FlaskClient, campaign_id: int
) -> None:
    org = client.post("/api/v1/organisations", json={"kind": "unit", "name": f"Phòng {RLO}A"})
    assert "U+202E" in _fields(org)["name"][0]
    campaign = client.get(f"/api/v1/campaigns/{campaign_id}").json
    title = client.patch(f"/api/v1/campaigns/{campaign_id}", json={"title": "Kiểm\u200btra"})
    assert "U+200B" in _fields(title)["title"][0]
    lines = client.patch(
        f"/api/v1/campaigns/{campaign_id}", json={"subject_lines": ["Về việc", "kiểm\ufefftra"]}
    )
    assert "U+FEFF" in _fields(lines)["subject_lines"][0]
    person = client.post("/api/v1/people", json={"full_name": f"Nguyễn{RLO} Văn A"})
    assert "full_name" in _fields(person)
    person_id = client.post("/api/v1/people", json={"full_name": "Nguyễn Văn A"}).json["id"]
    signer = client.post(
        "/api/v1/signers", json={"person_id": person_id, "position_title": "GIÁM\u2066 ĐỐC"}
    )
    assert "position_title" in _fields(signer)
    assert client.get(f"/api/v1/campaigns/{campaign_id}").json["title"] == campaign["title"]


def test_invisible_characters_in_a_campaign_title_are_refused_in_the_ui(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    client = app.test_client()
    token = _signed_in(client, accounts, "staff")
    campaign = session().get(Campaign, campaign_id)
    assert campaign is not None
    response = client.post(
        "/campaigns",
        data={
            "csrf_token": token,
            "title": f"Kiểm tra {RLO}",
            "year": "2024",
            "issuer_id": str(campaign.issuer_id),
        },
    )
    assert response.status_code == 422 and "U+202E" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("full_name", "message"), [("Ă" * 201, "Tối đa 200 ký tự"), (f"Lê{RLO} Thị B", "U+202E")]
)
def test_a_full_name_the_column_cannot_hold_is_refused_in_ui_and_cli(
    app: Flask,
    accounts: Accounts,
    config: Config,
    monkeypatch: pytest.MonkeyPatch,
    full_name: str,
    message: str,
) -> None:
    client = app.test_client()
    token = _signed_in(client, accounts)
    password = "mat-khau-rat-dai-1"
    response = client.post(
        "/users",
        data={
            "csrf_token": token,
            "username": "nguoi.moi",
            "full_name": full_name,
            "role": "staff",
            "password": password,
            "confirm": password,
        },
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    monkeypatch.setenv("VANTHU_DATABASE_URL", config.database_url)
    monkeypatch.setenv("VANTHU_VAR_DIR", str(config.var_dir))
    result = CliRunner().invoke(
        cli.main,
        ["create-user", "--username", "nguoi.moi", "--full-name", full_name, "--role", "staff"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code != 0 and message in result.output
    assert session().scalar(select(User.id).where(User.username == "nguoi.moi")) is None


# No secret in any log (finding 11).


def test_a_forced_integrity_error_logs_no_password_hash(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with app.app_context(), transaction() as db:
        first = users.create(db, SYSTEM, "trung.ten", "Trùng Tên", "mat-khau-dung-1", "staff")
    secret = "scrypt:32768:8:1$SALT-NOT-TO-LOG$HASH-NOT-TO-LOG"
    with app.app_context():
        try:
            with transaction() as db:
                db.add(
                    User(username=first.username, full_name="X", password_hash=secret, role="staff")
                )
        except IntegrityError as error:
            forced = error
    assert secret not in str(forced)
    caplog.set_level(logging.DEBUG)
    for path in ("/api/v1/campaigns", "/"):
        with app.test_request_context(path):
            app.handle_user_exception(forced)
    logged = " ".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "integrity error" in logged and "SALT-NOT-TO-LOG" not in logged


def test_a_value_a_column_cannot_hold_is_422_and_logged_without_it(
    app: Flask, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite stores text of any length: only PostgreSQL raises DataError")
    secret = "scrypt:32768:8:1$SALT-NOT-TO-LOG$HASH-NOT-TO-LOG"
    with app.app_context():
        try:
            with transaction() as db:
                db.add(
                    User(username="dai", full_name="Ă" * 300, password_hash=secret, role="staff")
                )
        except DataError as error:
            forced = error
    caplog.set_level(logging.DEBUG)
    with app.test_request_context("/api/v1/campaigns"):
        answer = app.make_response(app.handle_user_exception(forced))
    assert answer.status_code == 422
    logged = " ".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "data error" in logged and "SALT-NOT-TO-LOG" not in logged


def test_a_token_name_with_an_invisible_character_is_refused(db: Any) -> None:
    user = users.create(db, SYSTEM, "chu.khoa", "Chủ khóa", "mat-khau-du-dai", "staff")
    with pytest.raises(Invalid) as refused:
        tokens.issue(db, SYSTEM, f"máy chủ{RLO}exe.", user)
    assert "U+202E" in refused.value.fields["name"]
    assert tokens.issue(db, SYSTEM, "máy chủ báo cáo", user)[0].name == "máy chủ báo cáo"
