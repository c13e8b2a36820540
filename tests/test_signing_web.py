"""Signing through the staff UI and the API: "Chờ ký", server-side signing by the signer and the
văn thư, the one-time link pair of a signer's own tool, and the CA's public files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from service.commands import tokens
from service.commands.demo_keys import ensure_demo_keys
from service.commands.users import ensure_demo_accounts
from service.config import Config
from service.database import transaction
from service.demo import drive_campaign
from service.models import Document, Signature, User
from service.seed.load import load_demo
from service.signing.appearance import signature_image
from service.signing.keys import KeySource, signer_for
from service.signing.pdf import sign as sign_pdf
from service.signing.pki import DemoPki, Identity
from service.signing.toolkit import Toolkit
from tests.auth_helper import SYSTEM
from tests.jobs_helper import run_due_jobs
from tests.signed_campaign import signing_config
from tests.test_web_support import Accounts, csrf_token, sign_in
from workflows.vocabulary import SignatureState


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return signing_config(tmp_path / "var", database_url)


@pytest.fixture
def driven(app: Any, config: Config) -> Accounts:
    """The demo campaign driven to its report, every document issued and its PDF prepared for
    signing, nothing signed yet; the demo accounts (role -> username, password)."""
    with app.app_context():
        with transaction() as db:
            campaign_id = load_demo(db, new_campaign=True).id
            ensure_demo_keys(db, config)
            accounts = {u.role: (u.username, pw) for u, pw in ensure_demo_accounts(db, SYSTEM)}
        drive_campaign(campaign_id)
        run_due_jobs()
    return accounts


def _doc(app: Any, kind: str) -> Document:
    with app.app_context(), transaction() as db:
        found = db.scalars(select(Document).where(Document.kind == kind).order_by(Document.id))
        doc = found.first()
        assert doc is not None
        db.expunge(doc)
        return doc


def _states(app: Any, doc_id: int) -> list[str]:
    with app.app_context(), transaction() as db:
        rows = db.scalars(select(Signature).where(Signature.document_id == doc_id))
        return [s.state for s in sorted(rows, key=lambda s: s.step)]


def _signed_in(app: Any, accounts: Accounts, role: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    assert sign_in(client, *accounts[role]).status_code == 303
    return client, csrf_token(client.get("/signing").get_data(as_text=True))


def test_signer_then_clerk_sign_in_the_ui_and_the_tool_links_are_one_time(
    app: Any, driven: Accounts
) -> None:
    qd, kh = _doc(app, "QD"), _doc(app, "KH")
    leader, leader_csrf = _signed_in(app, driven, "leader")
    waiting = leader.get("/signing").get_data(as_text=True)
    assert qd.reference in waiting and "data-sign" in waiting
    assert "Chờ ký" in leader.get("/").get_data(as_text=True)

    # Not the signer: refused, and nothing queued.
    staff, staff_csrf = _signed_in(app, driven, "staff")
    assert qd.reference not in staff.get("/signing").get_data(as_text=True)
    refused = staff.post(f"/documents/{qd.id}/signatures/1/sign", data={"csrf_token": staff_csrf})
    assert refused.status_code == 403 and "không ký thay" in refused.get_data(as_text=True)
    # The seal waits for the signer.
    clerk, clerk_csrf = _signed_in(app, driven, "clerk")
    early = clerk.post(f"/documents/{qd.id}/signatures/2/sign", data={"csrf_token": clerk_csrf})
    assert early.status_code == 303 and _states(app, qd.id) == ["waiting", "waiting"]

    asked = leader.post(f"/documents/{qd.id}/signatures/1/sign", data={"csrf_token": leader_csrf})
    assert asked.status_code == 303
    page = leader.get(f"/documents/{qd.id}").get_data(as_text=True)
    assert "Đang ký" in page and _states(app, qd.id) == ["queued", "waiting"]
    with app.app_context():
        run_due_jobs()
    page = leader.get(f"/documents/{qd.id}").get_data(as_text=True)
    assert "Hợp lệ" in page and "B-T" in page and "data-signed-pdf" not in page

    assert qd.reference in clerk.get("/signing").get_data(as_text=True)
    sealed = clerk.post(f"/documents/{qd.id}/signatures/2/sign", data={"csrf_token": clerk_csrf})
    assert sealed.status_code == 303
    with app.app_context():
        run_due_jobs()
    page = clerk.get(f"/documents/{qd.id}").get_data(as_text=True)
    assert page.count("signature-valid") == 2 and "data-signed-pdf" in page
    signed = clerk.get(f"/documents/{qd.id}/signed.pdf")
    assert signed.status_code == 200 and signed.data.startswith(b"%PDF")
    assert qd.reference not in clerk.get("/signing").get_data(as_text=True)

    # The signer's own tool: a one-time download, and a non-PDF upload refused with the reason.
    links = leader.post(f"/documents/{kh.id}/signatures/1/links", data={"csrf_token": leader_csrf})
    html = links.get_data(as_text=True)
    assert links.status_code == 200
    download = _path(html, "data-download-url")
    upload = _path(html, "data-upload-url")
    tool = app.test_client()  # no session: the token is the credential
    first = tool.get(download)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert tool.get(download).status_code == 404
    refused = tool.put(upload, data=b"not a pdf", content_type="application/pdf")
    assert refused.status_code == 409 and refused.json["problems"]
    assert _states(app, kh.id) == ["waiting", "waiting"]
    assert "signature-valid" not in leader.get(f"/documents/{kh.id}").get_data(as_text=True)


def _path(html: str, marker: str) -> str:
    """The path of the URL shown in the read-only field marked `marker`."""
    tail = html.split(marker, 1)[0].rsplit('value="', 1)[1]
    return urlsplit(tail.split('"', 1)[0]).path


def _bearer_for(app: Any, username: str) -> FlaskClient:
    client = app.test_client()
    with app.app_context(), transaction() as db:
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        token = tokens.issue(db, SYSTEM, "tests", user)[1]
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def _signed_by_the_unit(config: Config, pdf: bytes, row: dict[str, Any]) -> bytes:
    """What the inspected unit's own tool does: sign the downloaded PDF with its own key."""
    pki = DemoPki.ensure(config.signing_dir, "", [Identity("unit", row["name"], "Đơn vị")], "")
    source = KeySource(kind="pkcs12", folder=pki.keys_folder, passphrase=pki.passphrase)
    toolkit = Toolkit.from_config(config)
    at = datetime.now(toolkit.zone).replace(microsecond=0)
    return sign_pdf(
        pdf,
        row["field"],
        signer_for(source, "unit"),
        signature_image(row["name"]),
        f"{row['name']}\n{at.isoformat()}",
        timestamper=toolkit.timestamper,
        validation=None,
        signing_time=at,
    ).pdf


def test_the_api_signs_and_hands_the_unit_its_links(
    app: Any, config: Config, driven: Accounts
) -> None:
    bb = _doc(app, "BB")
    leader = _bearer_for(app, driven["leader"][0])
    rows = leader.get(f"/api/v1/documents/{bb.id}/signatures").json
    assert [(r["party"], r["state"]) for r in rows] == [
        ("team_leader", "waiting"),
        ("unit", "waiting"),
    ]
    early = leader.post(f"/api/v1/documents/{bb.id}/signatures/2/links")
    assert early.status_code == 409 and early.json["problems"]
    queued = leader.post(f"/api/v1/documents/{bb.id}/signatures/1/sign")
    assert queued.status_code == 202 and queued.json["state"] == SignatureState.QUEUED
    with app.app_context():
        run_due_jobs()
    first = leader.get(f"/api/v1/documents/{bb.id}/signatures").json[0]
    assert first["state"] == "signed" and first["report"]["valid"] and first["level"]

    # The inspected unit signs with its own key: the staff hands it the pair.
    staff = _bearer_for(app, driven["staff"][0])
    links = staff.post(f"/api/v1/documents/{bb.id}/signatures/2/links")
    assert links.status_code == 201 and links.json["expires_at"]
    tool = app.test_client()
    pdf = tool.get(urlsplit(links.json["download_url"]).path).data
    signed = _signed_by_the_unit(config, pdf, links.json["signature"])
    accepted = tool.put(
        urlsplit(links.json["upload_url"]).path, data=signed, content_type="application/pdf"
    )
    assert accepted.status_code == 200, accepted.json
    # An untrusted certificate (the unit's demo key is from the same demo CA) is the core's
    # test; here the answer is the report, and the document is fully signed.
    assert accepted.json["valid"] and accepted.json["field"] == links.json["signature"]["field"]
    assert _states(app, bb.id) == ["signed", "signed"]
    assert tool.put(urlsplit(links.json["upload_url"]).path, data=signed).status_code == 404

    spec = leader.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/documents/{doc_id}/signatures",
        "/api/v1/documents/{doc_id}/signatures/{step}/sign",
        "/api/v1/documents/{doc_id}/signatures/{step}/links",
    ):
        assert path in spec["paths"], path
    upload = spec["paths"]["/api/v1/signing/{token}/pdf"]["put"]
    assert upload["security"] == [] and "application/pdf" in upload["requestBody"]["content"]

    # The demo CA's public files, for whoever checks revocation.
    anonymous = app.test_client()
    assert anonymous.get("/pki/root.pem").data.startswith(b"-----BEGIN CERTIFICATE")
    assert anonymous.get("/pki/crl/root.crl").status_code == 200
    assert anonymous.get("/pki/crl/other.crl").status_code == 404
