"""Who may call what: every API endpoint, with every role, an unknown caller and a revoked token.

The matrix covers each route of the API (a test fails when a route is added without a row), so
no endpoint is left without its authentication and role check.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service import cli, runner
from service.commands import dispatch as dispatch_commands
from service.commands import tokens, users
from service.config import Config
from service.database import transaction
from service.demo import drive_campaign
from service.mail.transport import OutboxTransport
from service.models import (
    ApiToken,
    AuditEntry,
    Campaign,
    Contact,
    Dispatch,
    Document,
    Job,
    Organisation,
    Person,
)
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM, api_client, bearer, campaign_targets
from tests.test_web_support import sign_in
from workers.kinds import KINDS
from workflows.vocabulary import OrganisationKind

ROLES = ("admin", "staff", "leader", "clerk", "district")
OFFICE_ONLY = {"district": 403}
SIGNERS_ONLY = {"staff": 403, "clerk": 403, "district": 403}
CLERKS_ONLY = {"staff": 403, "leader": 403, "district": 403}
ADMIN_ONLY = {"staff": 403, "leader": 403, "clerk": 403, "district": 403}
OUT_OF_SCOPE = {"district": 404}
DISTRICT_ONLY = {"admin": 403, "staff": 403, "leader": 403, "clerk": 403}
TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "KH.docx"


@dataclass(frozen=True)
class World:
    """Ids in the demo campaign, driven to its summary report."""

    campaign: int
    own_target: int  # thành phố Lạng Sơn: the district user's office
    own_visit: int
    other_visit: int
    own_minutes: int
    other_minutes: int
    plan: int
    office: int
    person: int
    signer: int  # the campaign's: removing it is refused (409)
    member: int  # on the team the issued decision names
    job: int
    dispatch: int
    other_dispatch: int


@dataclass(frozen=True)
class Call:
    method: str
    rule: str  # the route, as the URL map has it
    path: str
    body: dict[str, Any] | None = None
    refused: dict[str, int] = field(default_factory=dict)  # role -> 403 or 404
    files: bool = False

    def send(self, client: FlaskClient) -> Any:
        if self.files:
            data = {"file": (io.BytesIO(TEMPLATE.read_bytes()), "KH.docx")}
            return client.open(self.path, method=self.method, data=data)
        return client.open(self.path, method=self.method, json=self.body)


def _dispatch(db: Any, doc: Document, address: str) -> int:
    row = Dispatch(
        document_id=doc.id,
        campaign_id=doc.campaign_id,
        recipient_name="Người nhận",
        address=address,
        state="failed",
        message_id=f"<{address}.{doc.id}@test>",
    )
    db.add(row)
    db.flush()
    return row.id


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        with transaction() as db:
            campaign_id = load_demo(db).id
        drive_campaign(campaign_id)
        with transaction() as db:
            campaign = db.get(Campaign, campaign_id)
            assert campaign is not None
            office = db.scalar(select(Organisation).where(Organisation.code == "LĐTBXH-TPLS"))
            assert office is not None
            own = next(t for t in campaign.targets if t.office_id == office.id)
            other = next(t for t in campaign.targets if t.office_id != office.id)
            assert own.visit is not None and other.visit is not None
            docs = db.scalars(select(Document).where(Document.campaign_id == campaign_id)).all()

            def minutes_of(visit_id: int) -> Document:
                return next(d for d in docs if d.kind == "BB" and d.visit_id == visit_id)

            own_minutes, other_minutes = minutes_of(own.visit.id), minutes_of(other.visit.id)
            renders = db.scalars(
                select(Job.id).where(
                    Job.kind == "render", Job.document_id.in_([own_minutes.id, other_minutes.id])
                )
            ).all()
            for job_id in renders:  # their DOCX, for the download rows
                runner.execute(job_id, KINDS, 300)
            return World(
                campaign=campaign_id,
                own_target=own.id,
                own_visit=own.visit.id,
                other_visit=other.visit.id,
                own_minutes=own_minutes.id,
                other_minutes=other_minutes.id,
                plan=next(d.id for d in docs if d.kind == "KH"),
                office=office.id,
                person=db.scalars(select(Person.id)).first() or 0,
                signer=campaign.signer_id or 0,
                member=campaign.members[0].id,
                job=db.scalars(select(Job.id)).first() or 0,
                dispatch=_dispatch(db, own_minutes, "own@example.org"),
                other_dispatch=_dispatch(db, other_minutes, "other@example.org"),
            )


def calls(w: World) -> list[Call]:
    """One row per API route: the request, and which roles are refused with which status."""
    c, v, o = f"/api/v1/campaigns/{w.campaign}", f"/api/v1/visits/{w.own_visit}", w.office
    start, end = "2023-06-01T08:00:00+07:00", "2023-06-01T11:00:00+07:00"
    return [
        Call("GET", "/api/v1/campaigns", "/api/v1/campaigns"),
        Call(
            "POST",
            "/api/v1/campaigns",
            "/api/v1/campaigns",
            {"issuer_id": o, "year": 2031, "title": "Kiểm tra mới"},
            OFFICE_ONLY,
        ),
        Call("GET", "/api/v1/campaigns/<int:campaign_id>", c),
        Call(
            "PATCH", "/api/v1/campaigns/<int:campaign_id>", c, {"contact_phone": "1"}, OFFICE_ONLY
        ),
        Call(
            "POST",
            "/api/v1/campaigns/<int:campaign_id>/targets",
            f"{c}/targets",
            {"office_id": o},
            OFFICE_ONLY,
        ),
        Call(
            "POST",
            "/api/v1/campaigns/<int:campaign_id>/members",
            f"{c}/members",
            {"person_id": w.person, "role": "thanh_vien"},
            OFFICE_ONLY,
        ),
        # Refused by the state for every office role (409): the visit and the decision name them.
        Call(
            "PATCH",
            "/api/v1/campaigns/<int:campaign_id>/targets/<int:target_id>",
            f"{c}/targets/{w.own_target}",
            {"commune_id": None},
            OFFICE_ONLY,
        ),
        Call(
            "DELETE",
            "/api/v1/campaigns/<int:campaign_id>/targets/<int:target_id>",
            f"{c}/targets/{w.own_target}",
            None,
            OFFICE_ONLY,
        ),
        Call(
            "PATCH",
            "/api/v1/campaigns/<int:campaign_id>/members/<int:member_id>",
            f"{c}/members/{w.member}",
            {"role": "thu_ky"},
            OFFICE_ONLY,
        ),
        Call(
            "DELETE",
            "/api/v1/campaigns/<int:campaign_id>/members/<int:member_id>",
            f"{c}/members/{w.member}",
            None,
            OFFICE_ONLY,
        ),
        Call("GET", "/api/v1/presets", "/api/v1/presets", None, OFFICE_ONLY),
        Call("GET", "/api/v1/campaigns/<int:campaign_id>/export", f"{c}/export", None, OFFICE_ONLY),
        Call("POST", "/api/v1/campaigns/import", "/api/v1/campaigns/import", {}, OFFICE_ONLY),
        Call("GET", "/api/v1/campaigns/<int:campaign_id>/lifecycle", f"{c}/lifecycle"),
        Call("GET", "/api/v1/campaigns/<int:campaign_id>/progress", f"{c}/progress"),
        Call(
            "POST",
            "/api/v1/campaigns/<int:campaign_id>/actions/<action>",
            f"{c}/actions/issue_report",
            {},
            SIGNERS_ONLY,
        ),
        Call(
            "POST",
            "/api/v1/campaigns/<int:campaign_id>/visits",
            f"{c}/visits",
            {"target_id": w.own_target, "start": start, "end": end},
            SIGNERS_ONLY,  # the notices are out: moving a visit issues a new one
        ),
        Call("GET", "/api/v1/visits/<int:visit_id>", v),
        Call(
            "GET",
            "/api/v1/visits/<int:visit_id>",
            f"/api/v1/visits/{w.other_visit}",
            None,
            OUT_OF_SCOPE,
        ),
        Call("POST", "/api/v1/visits/<int:visit_id>/result", f"{v}/result", {}, OFFICE_ONLY),
        Call(
            "POST",
            "/api/v1/visits/<int:visit_id>/result",
            f"/api/v1/visits/{w.other_visit}/result",
            {},
            OUT_OF_SCOPE,
        ),
        Call(
            "POST", "/api/v1/visits/<int:visit_id>/skip", f"{v}/skip", {"reason": "x"}, OFFICE_ONLY
        ),
        Call("GET", "/api/v1/visits/<int:visit_id>/submission", f"{v}/submission"),
        Call(
            "GET",
            "/api/v1/visits/<int:visit_id>/submission",
            f"/api/v1/visits/{w.other_visit}/submission",
            None,
            OUT_OF_SCOPE,
        ),
        # The visits have taken place: the district user reaches the use case, which answers 409.
        Call(
            "PUT",
            "/api/v1/visits/<int:visit_id>/submission/statistics",
            f"{v}/submission/statistics",
            {"statistics": {}},
            DISTRICT_ONLY,
        ),
        Call(
            "PUT",
            "/api/v1/visits/<int:visit_id>/submission/report",
            f"{v}/submission/report",
            None,
            DISTRICT_ONLY,
            True,
        ),
        Call("GET", "/api/v1/visits/<int:visit_id>/submission/report", f"{v}/submission/report"),
        Call("GET", "/api/v1/campaigns/<int:campaign_id>/documents", f"{c}/documents"),
        Call("GET", "/api/v1/campaigns/<int:campaign_id>/targets", f"{c}/targets"),
        Call(
            "POST",
            "/api/v1/campaigns/<int:campaign_id>/documents",
            f"{c}/documents",
            {"kind": "KH"},
            OFFICE_ONLY,
        ),
        Call("GET", "/api/v1/documents/<int:doc_id>", f"/api/v1/documents/{w.own_minutes}"),
        Call(
            "GET",
            "/api/v1/documents/<int:doc_id>",
            f"/api/v1/documents/{w.other_minutes}",
            None,
            OUT_OF_SCOPE,
        ),
        # The issued plan is sent to every inspected office: its district user reads it.
        Call("GET", "/api/v1/documents/<int:doc_id>", f"/api/v1/documents/{w.plan}"),
        Call(
            "POST",
            "/api/v1/documents/<int:doc_id>/issue",
            f"/api/v1/documents/{w.own_minutes}/issue",
            {},
            SIGNERS_ONLY,
        ),
        Call(
            "GET",
            "/api/v1/documents/<int:doc_id>/files/<fmt>",
            f"/api/v1/documents/{w.own_minutes}/files/docx",
        ),
        Call(
            "GET",
            "/api/v1/documents/<int:doc_id>/files/<fmt>",
            f"/api/v1/documents/{w.other_minutes}/files/docx",
            None,
            OUT_OF_SCOPE,
        ),
        Call(
            "GET",
            "/api/v1/documents/<int:doc_id>/routing",
            f"/api/v1/documents/{w.own_minutes}/routing",
        ),
        Call(
            "GET",
            "/api/v1/documents/<int:doc_id>/routing",
            f"/api/v1/documents/{w.other_minutes}/routing",
            None,
            OUT_OF_SCOPE,
        ),
        Call(
            "GET",
            "/api/v1/documents/<int:doc_id>/signatures",
            f"/api/v1/documents/{w.own_minutes}/signatures",
        ),
        Call(
            "GET",
            "/api/v1/documents/<int:doc_id>/signatures",
            f"/api/v1/documents/{w.other_minutes}/signatures",
            None,
            OUT_OF_SCOPE,
        ),
        # Signing is off in this world: every role reaches the use case, which answers 409.
        Call(
            "POST",
            "/api/v1/documents/<int:doc_id>/signatures/<int:step>/sign",
            f"/api/v1/documents/{w.own_minutes}/signatures/1/sign",
        ),
        Call(
            "POST",
            "/api/v1/documents/<int:doc_id>/signatures/<int:step>/links",
            f"/api/v1/documents/{w.own_minutes}/signatures/1/links",
        ),
        Call("GET", "/api/v1/templates", "/api/v1/templates", None, OFFICE_ONLY),
        Call("PUT", "/api/v1/templates/<kind>", "/api/v1/templates/KH", None, ADMIN_ONLY, True),
        Call(
            "POST", "/api/v1/campaigns/<int:campaign_id>/archive", f"{c}/archive", {}, OFFICE_ONLY
        ),
        Call(
            "GET", "/api/v1/campaigns/<int:campaign_id>/archive", f"{c}/archive", None, OFFICE_ONLY
        ),
        Call(
            "GET",
            "/api/v1/campaigns/<int:campaign_id>/archive/file",
            f"{c}/archive/file",
            None,
            OFFICE_ONLY,
        ),
        Call("GET", "/api/v1/jobs", "/api/v1/jobs", None, OFFICE_ONLY),
        Call("GET", "/api/v1/jobs/<int:job_id>", f"/api/v1/jobs/{w.job}", None, OFFICE_ONLY),
        Call("GET", "/api/v1/dispatches", "/api/v1/dispatches", None, OFFICE_ONLY),
        Call(
            "GET",
            "/api/v1/dispatches/<int:dispatch_id>",
            f"/api/v1/dispatches/{w.dispatch}",
            None,
            OFFICE_ONLY,
        ),
        Call(
            "GET",
            "/api/v1/dispatches/<int:dispatch_id>",
            f"/api/v1/dispatches/{w.other_dispatch}",
            None,
            OUT_OF_SCOPE,  # another district's: not even its existence is told
        ),
        Call(
            "POST",
            "/api/v1/dispatches/<int:dispatch_id>/resend",
            f"/api/v1/dispatches/{w.dispatch}/resend",
            {},
            OFFICE_ONLY,
        ),
        Call("GET", "/api/v1/register", "/api/v1/register?format=csv", None, OFFICE_ONLY),
        Call("GET", "/api/v1/registers", "/api/v1/registers?year=2023", None, OFFICE_ONLY),
        Call(
            "POST",
            "/api/v1/registers/next_number",
            "/api/v1/registers/next_number",
            {"organisation_id": o, "year": 2023, "series": "shared", "next_number": 99},
            CLERKS_ONLY,  # the register is the văn thư's
        ),
        Call(
            "POST",
            "/api/v1/registers/entries",
            "/api/v1/registers/entries",
            {
                "organisation_id": o,
                "number": 99,
                "code": "KH-X",
                "issue_date": "2023-04-03",
                "title": "Kế hoạch cấp số ngoài hệ thống",
            },
            CLERKS_ONLY,
        ),
        Call("GET", "/api/v1/organisations", "/api/v1/organisations"),
        Call("GET", "/api/v1/organisations/<int:org_id>", f"/api/v1/organisations/{o}"),
        Call(
            "POST",
            "/api/v1/organisations",
            "/api/v1/organisations",
            {"kind": "unit", "name": "Phòng mới"},
            OFFICE_ONLY,
        ),
        Call(
            "PATCH",
            "/api/v1/organisations/<int:org_id>",
            f"/api/v1/organisations/{o}",
            {"place_name": "Lạng Sơn"},
            OFFICE_ONLY,
        ),
        Call(
            "POST",
            "/api/v1/organisations/<int:org_id>/contacts",
            f"/api/v1/organisations/{o}/contacts",
            {"name": "Văn thư", "email": "vanthu@example.org"},
            OFFICE_ONLY,
        ),
        Call("GET", "/api/v1/people", "/api/v1/people"),
        Call("POST", "/api/v1/people", "/api/v1/people", {"full_name": "Lê Văn Mới"}, OFFICE_ONLY),
        Call("GET", "/api/v1/signers", "/api/v1/signers"),
        Call(
            "POST",
            "/api/v1/signers",
            "/api/v1/signers",
            {"person_id": w.person, "position_title": "Phó Giám đốc"},
            OFFICE_ONLY,
        ),
        Call(
            "PATCH",
            "/api/v1/signers/<int:signer_id>",
            f"/api/v1/signers/{w.signer}",
            {"position_title": "PHÓ GIÁM ĐỐC"},
            OFFICE_ONLY,
        ),
        # Refused by the state for every office role (409): the campaign signs in it.
        Call(
            "DELETE",
            "/api/v1/signers/<int:signer_id>",
            f"/api/v1/signers/{w.signer}",
            None,
            OFFICE_ONLY,
        ),
    ]


def clients(app: Flask, world: World) -> dict[str, FlaskClient]:
    return {
        role: api_client(app, role, world.office if role == "district" else None) for role in ROLES
    }


def test_every_api_route_is_in_the_matrix(app: Flask, world: World) -> None:
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.rule != "/api/v1/openapi.json"
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    assert routes == {(call.method, call.rule) for call in calls(world)}


def test_without_a_valid_token_every_call_is_401(app: Flask, world: World) -> None:
    anonymous = app.test_client()
    forged = app.test_client()
    forged.environ_base["HTTP_AUTHORIZATION"] = "Bearer vt_not-a-token"
    for call in calls(world):
        for client in (anonymous, forged):
            response = call.send(client)
            assert response.status_code == 401, (call.method, call.path)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert response.json["message"].startswith("Chưa xác thực")
    # What stays open: the health checks and the API description.
    for path in ("/healthz", "/api/v1/openapi.json"):
        assert anonymous.get(path).status_code == 200


def test_roles_are_enforced_endpoint_by_endpoint(app: Flask, world: World) -> None:
    by_role = clients(app, world)
    # Refusals first: a refused call must change nothing that a later allowed call relies on.
    for call in calls(world):
        for role, status in call.refused.items():
            response = call.send(by_role[role])
            assert response.status_code == status, (role, call.method, call.path, response.json)
    for call in calls(world):
        for role in set(ROLES) - set(call.refused):
            response = call.send(by_role[role])
            # Allowed: the call reaches the use case, which may still refuse the state (409) or,
            # for the case file or the office's report, have nothing yet (404, not the rules).
            assert response.status_code not in (401, 403, 500), (role, call.method, call.path)
            if response.status_code == 404:
                nothing_yet = ("/archive/file", "/submission/report")
                assert call.rule.endswith(nothing_yet), (role, call.path, response.json)


def test_a_district_user_lists_only_its_own_office(app: Flask, world: World) -> None:
    district = clients(app, world)["district"]
    documents = district.get(f"/api/v1/campaigns/{world.campaign}/documents?per_page=100").json
    ids = {d["id"] for d in documents["items"]}
    assert world.own_minutes in ids and world.other_minutes not in ids and world.plan in ids
    assert {d["kind"] for d in documents["items"]} <= OWN_KINDS | SENT_KINDS
    assert documents["meta"]["total"] == len(ids)
    listed = district.get("/api/v1/campaigns").json["items"]
    assert [c["id"] for c in listed] == [world.campaign]


def test_a_district_user_without_an_office_in_the_campaign_sees_none_of_it(
    app: Flask, world: World
) -> None:
    with app.app_context(), transaction() as db:
        elsewhere = db.scalar(
            select(Organisation.id).where(
                Organisation.kind == OrganisationKind.DISTRICT_OFFICE,
                Organisation.id != world.office,
            )
        )
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, world.campaign)
        assert campaign is not None
        offices = {t.office_id for t in campaign.targets}
    outsider = api_client(app, "district", elsewhere)
    listed = outsider.get("/api/v1/campaigns").json["items"]
    assert (elsewhere in offices) == (world.campaign in [c["id"] for c in listed])
    if elsewhere not in offices:
        assert outsider.get(f"/api/v1/campaigns/{world.campaign}").status_code == 404


def test_a_revoked_token_is_refused_at_once(app: Flask) -> None:
    with app.app_context():
        plain = bearer("staff")
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
        assert client.get("/api/v1/campaigns").status_code == 200
        with transaction() as db:
            token = db.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.digest(plain)))
            assert token is not None and token.last_used_at is not None
            tokens.revoke(db, SYSTEM, token.id)
        assert client.get("/api/v1/campaigns").status_code == 401


def test_a_deactivated_users_token_is_refused(app: Flask) -> None:
    with app.app_context():
        plain = bearer("staff")
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
        with transaction() as db:
            user = db.scalar(
                select(ApiToken).where(ApiToken.token_hash == tokens.digest(plain))
            ).user  # type: ignore[union-attr]
            users.set_active(db, SYSTEM, user.id, False)
        assert client.get("/api/v1/campaigns").status_code == 401


def test_only_the_digest_of_a_token_is_stored(app: Flask) -> None:
    with app.app_context():
        plain = bearer("staff")
        with transaction() as db:
            stored = db.scalars(select(ApiToken.token_hash)).all()
    assert plain not in stored and tokens.digest(plain) in stored


def test_issuing_changing_sending_and_downloading_are_audited(
    app: Flask, client: FlaskClient, world: World
) -> None:
    campaign = f"/api/v1/campaigns/{world.campaign}"
    assert client.patch(campaign, json={"contact_phone": "0205 3812 345"}).status_code == 200
    draft = client.post(f"{campaign}/documents", json={"kind": "QD"}).json
    assert client.post(f"/api/v1/documents/{draft['id']}/issue", json={}).status_code in (200, 409)
    assert client.get("/api/v1/register?format=csv").status_code == 200
    assert client.get(f"/api/v1/documents/{world.own_minutes}/files/docx").status_code == 200
    with app.app_context(), transaction() as db:
        dispatch_commands.record_sent(db, world.dispatch)  # as the mail worker does
    with app.app_context(), transaction() as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        actions = {(e.action, e.object_type) for e in entries}
    update = [e for e in entries if e.action == "campaign.update"][-1]
    assert update.actor.startswith("api-admin-") and update.detail == "contact_phone"
    assert {
        ("campaign.update", "campaign"),
        ("document.draft", "document"),
        ("document.issue", "document"),
        ("register.export", "register"),
        ("document.download", "document"),
        ("dispatch.sent", "dispatch"),
    } <= actions


def test_sign_in_is_rate_limited_per_account_and_address(
    app: Flask, anonymous: FlaskClient
) -> None:
    with app.app_context(), transaction() as db:
        users.create(db, SYSTEM, "canbo.moi", "Cán bộ mới", "mat-khau-dung-1", "staff")
    for _ in range(users.MAX_FAILURES):
        assert sign_in(anonymous, "canbo.moi", "sai-mat-khau").status_code == 401
    locked = sign_in(anonymous, "canbo.moi", "mat-khau-dung-1")  # even the right password
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "thử lại sau" in locked.get_data(as_text=True)
    # Another address is not locked out by these failures.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert sign_in(other, "canbo.moi", "mat-khau-dung-1").status_code == 303
    with app.app_context(), transaction() as db:
        failed = db.scalars(
            select(AuditEntry).where(AuditEntry.action == users.SIGN_IN_FAILED)
        ).all()
    assert len(failed) == users.MAX_FAILURES and {e.object_id for e in failed} == {"canbo.moi"}


def test_create_token_command_prints_a_working_token(
    app: Flask, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VANTHU_DATABASE_URL", config.database_url)
    monkeypatch.setenv("VANTHU_VAR_DIR", str(config.var_dir))
    with app.app_context(), transaction() as db:
        users.create(db, SYSTEM, "lanhdao.so", "Lãnh đạo Sở", "mat-khau-dung-1", "leader")
    runner = CliRunner()
    result = runner.invoke(cli.main, ["create-token", "lanhdao.so", "--name", "máy chủ báo cáo"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    assert client.get("/api/v1/campaigns").status_code == 200
    unknown = runner.invoke(cli.main, ["create-token", "khong.co"])
    assert unknown.exit_code == 1 and "Không tìm thấy tài khoản" in unknown.output
    with app.app_context(), transaction() as db:
        token_id = db.scalars(select(ApiToken.id).order_by(ApiToken.id.desc())).first()
    revoked = runner.invoke(cli.main, ["revoke-token", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/campaigns").status_code == 401


def test_path_traversal_in_urls_and_names_goes_nowhere(
    app: Flask, client: FlaskClient, world: World, tmp_path: Path
) -> None:
    hostile = ("..%2F..%2Fetc%2Fpasswd", "..", "%2e%2e%2f%2e%2e%2fservice%2fconfig.py")
    for name in hostile:
        for path in (
            f"/api/v1/documents/{world.own_minutes}/files/{name}",
            f"/api/v1/campaigns/{world.campaign}/actions/{name}",
            f"/static/{name}",
            f"/api/v1/{name}",
        ):
            response = client.open(path, method="POST" if "/actions/" in path else "GET")
            # An action the table does not have is refused as invalid input, as in the UI.
            assert response.status_code in (404, 409, 422), (path, response.status_code)
            assert b"root:" not in response.data and b"class Config" not in response.data
        upload = {"file": (io.BytesIO(TEMPLATE.read_bytes()), f"{name}.docx")}
        refused = client.put(f"/api/v1/templates/{name}", data=upload)
        assert refused.status_code in (404, 422), (name, refused.status_code)
    outbox = OutboxTransport(tmp_path / "outbox")
    for message_id in ("<../../etc/passwd>", "<..\\..\\boot.ini@x>", "<a/../../b@c>"):
        assert outbox.path_for(message_id).parent == tmp_path / "outbox"


# --- what a district user reads: every field of every answer ------------------------------

# The kind of object each schema of the OpenAPI document describes (its `id`); pages are "page".
SCHEMA_KINDS = {
    "CampaignSummary": "campaign",
    "CampaignOut": "campaign",
    "IndicatorSchema": "indicator",
    "PresetOut": "preset",
    "TargetOut": "target",
    "VisitOut": "visit",
    "MemberOut": "member",
    "EventOut": "event",
    "StepOut": "step",
    "LifecycleOut": "lifecycle",
    "ProgressOut": "progress",
    "IssuingOut": "progress",
    "DocumentOut": "document",
    "FileOut": "file",
    "RoutingOut": "routing",
    "RouteLineOut": "routing",
    "RecipientOut": "recipient",
    "DispatchOut": "dispatch",
    "JobOut": "job",
    "ArchiveBuildOut": "archive",
    "TemplateOut": "template",
    "OrganisationOut": "organisation",
    "ContactOut": "contact",
    "PersonOut": "person",
    "SignerOut": "signer",
    "SignatureOut": "signature",
    "SignatureReportOut": "signature",
    "SigningLinksOut": "signature",
    "SubmissionOut": "visit",
    "PageMeta": "page",
}
# The kind of object an `…_id` field names.
ID_FIELDS = {
    "campaign_id": "campaign",
    "target_id": "target",
    "visit_id": "visit",
    "document_id": "document",
    "office_id": "organisation",
    "commune_id": "organisation",
    "organisation_id": "organisation",
    "issuer_id": "organisation",
    "unit_id": "organisation",
    "parent_id": "organisation",
    "person_id": "person",
    "signer_id": "signer",
}
# The directory (agency tree, people, signers) is everyone's address book: other offices' names,
# addresses and ids are in it by design. No campaign data is.
DIRECTORY = ("/api/v1/organisations", "/api/v1/people", "/api/v1/signers")
DIRECTORY_KINDS = {"organisation", "contact", "person"}
OWN_KINDS = {"TB", "BB"}  # a district user sees its own office's notices and minutes
SENT_KINDS = {"KH", "QD"}  # and, once issued, the plan and the decision sent to every office


@dataclass(frozen=True)
class Scope:
    """The driven demo campaign split into the district user's own and other offices'."""

    own: set[tuple[str, int]]  # (kind, id) it must be shown
    foreign: dict[str, set[int]]  # kind -> ids of other offices' objects
    campaign_marks: set[str]  # text only other offices' visits, documents and e-mails hold
    directory_marks: set[str]  # other offices' names and addresses
    params: dict[str, list[Any]]  # path parameter -> every value to call the route with
    # The plan and decision sent to every office name them all, as the directory does.
    sent_to_all: set[int] = field(default_factory=set)


def scope_of(app: Flask, w: World) -> Scope:
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, w.campaign)
        own_office = db.get(Organisation, w.office)
        assert campaign is not None and own_office is not None
        orgs = db.scalars(select(Organisation)).all()
        foreign_orgs = {o.id for o in orgs if o.district and o.district != own_office.district}
        targets = {t.id: t for t in campaign.targets}
        foreign_targets = {t for t in targets if t != w.own_target}
        visits = {t.visit.id: t.visit for t in targets.values() if t.visit is not None}
        docs = db.scalars(select(Document).where(Document.campaign_id == w.campaign)).all()
        own_docs = {
            d.id
            for d in docs
            if (d.target_id == w.own_target and d.kind in OWN_KINDS)
            or (d.kind in SENT_KINDS and d.status == "issued")
        }
        dispatches = db.scalars(select(Dispatch)).all()
        sent_to_all = {d.id for d in docs if d.kind in SENT_KINDS}
        own_dispatches = {
            s.id
            for s in dispatches
            if s.document_id in own_docs
            and (s.document_id not in sent_to_all or s.organisation_id == w.office)
        }
        jobs = db.scalars(select(Job)).all()
        contacts = db.scalars(select(Contact)).all()
        people = db.scalars(select(Person)).all()

        def texts_of_visit(visit: Any) -> set[str]:
            lines = {visit.place, visit.skip_reason, visit.unit_representative}
            return lines | set(visit.unit_attendees or ()) | set(visit.team_attendees or ())

        def texts(own: bool) -> tuple[set[str], set[str]]:
            """(campaign data, directory data) of the own office, or of the others."""
            data: set[str] = set()
            for visit in visits.values():
                if (visit.target_id == w.own_target) == own:
                    data |= texts_of_visit(visit)
            for doc in docs:  # the campaign's own documents are cited in every notice
                if doc.target_id is not None and (doc.target_id == w.own_target) == own:
                    data |= {doc.reference, doc.title}
            for sent in dispatches:
                if (sent.id in own_dispatches) == own:
                    data |= {sent.address, sent.recipient_name}
            directory: set[str] = set()
            for org in orgs:
                if (org.id in foreign_orgs) != own:
                    directory |= {org.name, org.header_name, org.district, org.email or ""}
                    directory |= {f for c in org.contacts for f in (c.name, c.email)}
            return data, directory

        own_data, own_directory = texts(own=True)
        other_data, other_directory = texts(own=False)
        mine = own_data | own_directory
        return Scope(
            own={
                ("campaign", w.campaign),
                ("target", w.own_target),
                ("visit", w.own_visit),
                ("organisation", w.office),
                *(("document", d) for d in own_docs),
            },
            foreign={
                "target": foreign_targets,
                "visit": {v.id for v in visits.values() if v.target_id != w.own_target},
                "document": {d.id for d in docs if d.id not in own_docs},
                "dispatch": {s.id for s in dispatches if s.id not in own_dispatches},
                "job": {j.id for j in jobs if j.document_id not in own_docs},
                "organisation": foreign_orgs,
                "contact": {c.id for c in contacts if c.organisation_id in foreign_orgs},
                "person": {p.id for p in people if p.organisation_id in foreign_orgs},
            },
            sent_to_all={d for d in own_docs if d in sent_to_all},
            campaign_marks={m for m in other_data - mine if m},
            directory_marks={m for m in other_directory - mine if m},
            params={
                "campaign_id": [w.campaign],
                "visit_id": sorted(visits),
                "doc_id": sorted(d.id for d in docs),
                "dispatch_id": sorted(s.id for s in dispatches),
                "job_id": sorted(j.id for j in jobs),
                "org_id": sorted(o.id for o in orgs),
                "target_id": sorted(targets),
                "member_id": sorted(m.id for m in campaign.members),
                "person_id": sorted(p.id for p in people),
                "contact_id": sorted(c.id for c in contacts),
                "step": [1, 2],
                "fmt": ["docx", "pdf"],
                "token": ["spent-or-unknown"],
            },
        )


def urls(route: str, params: dict[str, list[Any]]) -> list[str]:
    """`route` (`/a/{x}` or `/a/<int:x>`) with every combination of its parameters' values."""
    names = re.findall(r"[{<](?:\w+:)?(\w+)[}>]", route)
    assert set(names) <= set(params), f"{route}: give its parameters values in scope_of"
    filled = []
    for values in itertools.product(*(params[n] for n in names)):
        url = route
        for name, value in zip(names, values, strict=True):
            url = re.sub(r"[{<](?:\w+:)?" + name + r"[}>]", str(value), url)
        filled.append(url)
    return filled


def leaves(
    value: Any, schema: dict[str, Any], spec: dict[str, Any], kind: str = "", key: str = ""
) -> Iterator[tuple[str, str, Any]]:
    """Every scalar of an answer, with the kind of object it is in and its field's name, as the
    answer's OpenAPI schema says; a field the document does not describe fails the test."""
    ref = schema.get("$ref") or next(
        (s["$ref"] for s in schema.get("allOf", ()) if "$ref" in s), ""
    )
    if ref:
        name = ref.rsplit("/", 1)[1]
        base = name.rstrip("0123456789")
        kind = "page" if base.endswith("Page") else SCHEMA_KINDS.get(base, "")
        assert kind, f"{name}: say in SCHEMA_KINDS what kind of object it describes"
        schema = spec["components"]["schemas"][name]
    if isinstance(value, dict):
        fields = schema.get("properties")
        for field_name, item in value.items():
            if fields is None:  # a free mapping (statistics, findings): its keys are data
                yield from leaves(item, schema.get("additionalProperties") or {}, spec, kind, key)
                continue
            assert field_name in fields, f"{kind}.{field_name} is not in the OpenAPI document"
            yield from leaves(item, fields[field_name], spec, kind, field_name)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, schema.get("items") or {}, spec, kind, key)
    else:
        yield kind, key, value


def docx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = "".join(package.read(n).decode() for n in package.namelist() if n.startswith("word/"))
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


@dataclass
class Reading:
    """What the district user was shown over many answers, and what of it was not its own."""

    scope: Scope
    seen: set[tuple[str, int]] = field(default_factory=set)
    leaks: list[str] = field(default_factory=list)

    def text(self, url: str, text: str, directory: bool = False) -> None:
        marks = self.scope.campaign_marks | (set() if directory else self.scope.directory_marks)
        self.leaks += [f"{url}: {mark!r}" for mark in marks if mark in text]

    def scalar(self, url: str, kind: str, key: str, value: Any, directory: bool) -> None:
        if isinstance(value, str):
            self.text(url, value, directory)
            return
        of = kind if key == "id" else ID_FIELDS.get(key, "")
        assert of or not key.endswith("_id"), f"{url}: say in ID_FIELDS what {key} names"
        if not of or isinstance(value, bool) or not isinstance(value, int):
            return
        self.seen.add((of, value))
        if value in self.scope.foreign.get(of, ()) and not (directory and of in DIRECTORY_KINDS):
            self.leaks.append(f"{url}: {key}={value} is another office's {of}")

    def answer(self, url: str, response: Any, schema: dict[str, Any] | None, spec: Any) -> None:
        """Every field of a JSON answer (guided by its schema), or the text of a file or page."""
        document = re.match(r"^/(?:api/v1/)?documents/(\d+)(?:/|$)", url)
        sent = document is not None and int(document.group(1)) in self.scope.sent_to_all
        directory = url.startswith(DIRECTORY) or sent
        if response.is_json:
            body = response.get_json()
            if response.status_code == 200 and schema is not None:
                for kind, key, value in leaves(body, schema, spec):
                    self.scalar(url, kind, key, value, directory)
            else:
                self.text(url, json.dumps(body, ensure_ascii=False), directory)
        elif response.data[:2] == b"PK":
            self.text(url, docx_text(response.data))
        elif response.mimetype.startswith("text/"):
            self.text(url, html.unescape(response.get_data(as_text=True)))


def test_every_field_a_district_user_reads_through_the_api_is_its_own(
    app: Flask, world: World
) -> None:
    """Walks every GET operation of the OpenAPI document with every id of the driven campaign."""
    scope = scope_of(app, world)
    district = clients(app, world)["district"]
    spec = district.get("/api/v1/openapi.json").json
    reading = Reading(scope)
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None or not path.startswith("/api/v1/") or path.endswith("openapi.json"):
            continue
        names = {p["name"] for p in operation.get("parameters", ())}
        query = "?per_page=100" if "per_page" in names else ""
        content = operation["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        for url in urls(path, scope.params):
            response = district.get(url + query)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            reading.answer(url, response, schema, spec)
    assert reading.leaks == []
    assert scope.own <= reading.seen, scope.own - reading.seen
    campaign = district.get(f"/api/v1/campaigns/{world.campaign}").json
    own = campaign_targets(district, world.campaign)
    assert [t["id"] for t in own] == [world.own_target] and campaign["target_count"] == 1
    assert own[0]["visit"]["id"] == world.own_visit
    # The plan's and the report's text are those documents' content, which it does not see.
    assert not {"legal_bases", "recipients", "report_sections"} & set(campaign)
    assert district.get(f"/api/v1/campaigns/{world.campaign}/lifecycle").json["next_steps"] == []


def test_office_staff_still_read_the_whole_campaign(app: Flask, world: World) -> None:
    staff = clients(app, world)["staff"]
    campaign = staff.get(f"/api/v1/campaigns/{world.campaign}").json
    with app.app_context(), transaction() as db:
        everyone = db.get(Campaign, world.campaign)
        assert everyone is not None
        seen = campaign_targets(staff, world.campaign)
        assert [t["id"] for t in seen] == [t.id for t in everyone.targets]
        assert campaign["target_count"] == len(everyone.targets)
        assert campaign["report_sections"] == everyone.report_sections
    assert staff.get(f"/api/v1/campaigns/{world.campaign}/lifecycle").json["next_steps"]


def test_every_page_a_district_user_opens_shows_only_its_own_office(
    app: Flask, world: World
) -> None:
    """Every GET page and JSON of the staff UI, signed in as the district office's user."""
    scope = scope_of(app, world)
    with app.app_context(), transaction() as db:
        users.create(
            db, SYSTEM, "phong.tpls", "Cán bộ phòng", "mat-khau-dung-1", "district", world.office
        )
    ui = app.test_client()
    assert sign_in(ui, "phong.tpls", "mat-khau-dung-1").status_code == 303
    reading = Reading(scope)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("web.")]
    for rule in rules:
        if "GET" not in (rule.methods or ()) or rule.endpoint in ("web.static", "web.login"):
            continue
        for url in urls(rule.rule, scope.params):
            response = ui.get(url)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            reading.answer(url, response, None, None)
    assert reading.leaks == []
    progress = ui.get(f"/campaigns/{world.campaign}/progress.json").json
    shown = {("document", d["id"]) for d in progress["documents"]}
    assert shown == {own for own in scope.own if own[0] == "document"}
    assert not {j["id"] for j in progress["jobs"]} & scope.foreign["job"]
