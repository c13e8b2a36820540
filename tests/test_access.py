"""Who may call what: every API endpoint, with every role, an unknown caller and a revoked token.

The matrix covers each route of the API (a test fails when a route is added without a row), so
no endpoint is left without its authentication and role check.
"""

from __future__ import annotations

import io
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
    Dispatch,
    Document,
    Job,
    Organisation,
    Person,
)
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM, api_client, bearer
from tests.test_web_support import sign_in
from workers.tasks import HANDLERS
from workflows.vocabulary import OrganisationKind

ROLES = ("admin", "staff", "leader", "district")
OFFICE_ONLY = {"district": 403}
SIGNERS_ONLY = {"staff": 403, "district": 403}
ADMIN_ONLY = {"staff": 403, "leader": 403, "district": 403}
OUT_OF_SCOPE = {"district": 404}
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
                runner.execute(job_id, HANDLERS, 300)
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
        Call("GET", "/api/v1/campaigns/<int:campaign_id>/lifecycle", f"{c}/lifecycle"),
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
        Call("GET", "/api/v1/campaigns/<int:campaign_id>/documents", f"{c}/documents"),
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
        Call(
            "GET",
            "/api/v1/documents/<int:doc_id>",
            f"/api/v1/documents/{w.plan}",
            None,
            OUT_OF_SCOPE,
        ),
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
            # for the case file, have nothing built yet (404 from the archive, not the rules).
            assert response.status_code not in (401, 403, 500), (role, call.method, call.path)
            if response.status_code == 404:
                assert call.rule.endswith("/archive/file"), (role, call.path, response.json)


def test_a_district_user_lists_only_its_own_office(app: Flask, world: World) -> None:
    district = clients(app, world)["district"]
    documents = district.get(f"/api/v1/campaigns/{world.campaign}/documents?per_page=100").json
    ids = {d["id"] for d in documents["items"]}
    assert world.own_minutes in ids and world.other_minutes not in ids and world.plan not in ids
    assert {d["kind"] for d in documents["items"]} <= {"TB", "BB"}
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
