"""Issue 16: an issued document is signed in its order before anyone is mailed, by the right
people only, and every signature stays valid as the next is added."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from service.auth import Forbidden
from service.commands import signing, users
from service.commands.caller import Caller
from service.commands.demo_keys import ensure_demo_keys
from service.config import Config
from service.database import transaction
from service.demo import drive_campaign
from service.documents.libreoffice import libreoffice_available
from service.documents.store import file_of
from service.errors import Conflict
from service.models import Dispatch, Document, Job, Person, Signature
from service.seed.load import load_demo
from service.signing import pin
from service.signing.toolkit import Toolkit
from service.signing.validation import validate
from tests.conftest import need
from tests.jobs_helper import run_due_jobs
from tests.signed_campaign import signed_demo, signing_config
from tests.signing_helper import (  # noqa: F401 (fixtures)
    LivePki,
    live_pki_fixture,
    softhsm_dir_fixture,
    token_with,
)
from workflows.signing import Party
from workflows.vocabulary import DocumentStatus, JobKind, Role, SignatureState

PASSWORD = "mat-khau-thu-du-dai-12"


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return signing_config(tmp_path / "var", database_url)


@pytest.fixture(autouse=True)
def _libreoffice() -> None:
    need(libreoffice_available("soffice"), "LibreOffice (soffice) is not installed")


def _account(role: str, person_name: str = "") -> Caller:
    """A signed-in user of `role`, linked to the directory's person named `person_name`."""
    with transaction() as db:
        username = f"u-{role}-{len(person_name)}"
        user = users.create(db, Caller.system(), username, "Người dùng thử", PASSWORD, role)
        if person_name:
            user.person_id = db.scalar(select(Person.id).where(Person.full_name == person_name))
        db.flush()
        db.expunge(user)
    return Caller(user, Caller.system().timezone)


def _issued(campaign_id: int) -> list[Document]:
    with transaction() as db:
        docs = list(
            db.scalars(
                select(Document).where(
                    Document.campaign_id == campaign_id, Document.status == DocumentStatus.ISSUED
                )
            )
        )
        db.expunge_all()
    return docs


def _document_mail(doc_id: int) -> int:
    with transaction() as db:
        return len(db.scalars(select(Dispatch.id).where(Dispatch.document_id == doc_id)).all())


def test_the_plan_waits_for_its_signer_and_the_seal_then_is_mailed_signed(
    app: Flask, config: Config
) -> None:
    with app.app_context():
        with transaction() as db:
            campaign = load_demo(db, new_campaign=True)
            campaign_id, signer_name = campaign.id, campaign.signer.person.full_name
            ensure_demo_keys(db, config)
        drive_campaign(campaign_id)
        run_due_jobs()
        plan = next(d for d in _issued(campaign_id) if d.kind == "KH")
        assert _document_mail(plan.id) == 0  # issued and converted, not signed: nobody mailed

        leader, clerk = _account(Role.LEADER, signer_name), _account(Role.CLERK)
        staff = _account(Role.STAFF, "Vi Thị Hoa")
        with transaction() as db, pytest.raises(Forbidden):
            signing.request(db, staff, plan.id, 1)  # not the plan's signer
        with transaction() as db, pytest.raises(Conflict):
            signing.request(db, clerk, plan.id, 2)  # the seal goes on after the signature
        with transaction() as db:
            signing.request(db, leader, plan.id, 1)
        run_due_jobs()
        assert _document_mail(plan.id) == 0  # signed, not sealed
        with transaction() as db, pytest.raises(Forbidden):
            signing.request(db, leader, plan.id, 2)  # only the văn thư seals
        with transaction() as db:
            signing.request(db, clerk, plan.id, 2)
        run_due_jobs()

        with transaction() as db:
            doc = db.get(Document, plan.id)
            assert doc is not None
            rows = signing.signatures_of(db, doc.id)
            assert [(r.party, r.state) for r in rows] == [
                (Party.SIGNER, SignatureState.SIGNED),
                (Party.AGENCY, SignatureState.SIGNED),
            ]
            issued = bytes(file_of(doc, "pdf").content)  # type: ignore[union-attr]
            first = bytes(file_of(doc, "signed1").content)  # type: ignore[union-attr]
            final = signing.fully_signed(db, doc)
            assert final is not None
            signed_pdf = bytes(final.content)
        # Each revision keeps the one before it byte for byte: nothing changed between them.
        assert signed_pdf.startswith(first) and first.startswith(issued)
        reports = validate(signed_pdf, Toolkit.from_config(config).roots)
        assert [r.valid for r in reports] == [True, True], [r.reason for r in reports]
        assert reports[0].signer == signer_name
        assert all(r.level in ("B-T", "B-LT") for r in reports)  # timestamped by the demo TSA

        run_due_jobs()  # the send jobs
        mails = [
            email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in config.outbox_dir.glob("*.eml")
        ]
        plan_mails = [m for m in mails if plan.reference in str(m["Subject"])]
        assert plan_mails
        for mail in plan_mails:
            pdfs = [
                part.get_content()
                for part in mail.iter_attachments()
                if part.get_content_type() == "application/pdf"
            ]
            assert pdfs == [signed_pdf]


@pytest.mark.sqlite_only  # the whole demo signed: the plan's test covers both databases
def test_every_kind_is_signed_and_the_minutes_by_both_parties(app: Flask, config: Config) -> None:
    with app.app_context():
        campaign_id = signed_demo(config)
        roots = Toolkit.from_config(config).roots
        with transaction() as db:
            docs = db.scalars(
                select(Document).where(
                    Document.campaign_id == campaign_id, Document.status == DocumentStatus.ISSUED
                )
            ).all()
            assert {d.kind for d in docs} == {"KH", "QD", "TB", "BB", "BC"}
            for doc in docs:
                final = signing.fully_signed(db, doc)
                assert final is not None, doc.reference
                reports = validate(bytes(final.content), roots)
                assert all(r.valid for r in reports), (doc.reference, reports)
                rows = signing.signatures_of(db, doc.id)
                if doc.kind == "BB":
                    assert [r.party for r in rows] == [Party.TEAM_LEADER, Party.UNIT]
                    assert rows[1].method == "upload"  # the unit's own key and tool
                    assert reports[1].signer == rows[1].name
                else:
                    assert [r.party for r in rows] == [Party.SIGNER, Party.AGENCY]
                assert db.scalar(select(Dispatch.id).where(Dispatch.document_id == doc.id))


def test_an_upload_that_is_not_the_handed_out_pdf_is_refused_and_changes_nothing(
    app: Flask, config: Config
) -> None:
    with app.app_context():
        with transaction() as db:
            campaign_id = load_demo(db, new_campaign=True).id
            ensure_demo_keys(db, config)
        drive_campaign(campaign_id)
        run_due_jobs()
        plan = next(d for d in _issued(campaign_id) if d.kind == "KH")
        toolkit = Toolkit.from_config(config)
        with transaction() as db:
            links = signing.create_links(db, Caller.system(), plan.id, 1)
        with transaction() as db, pytest.raises(Conflict, match="phiên bản đầu"):
            signing.accept_upload(db, links.upload_token, b"%PDF-1.7 not the plan", toolkit)
        with transaction() as db:
            _, handed_out = signing.download_for_signing(db, links.download_token)
        with transaction() as db, pytest.raises(Conflict):
            # The PDF as handed out, unsigned: no signature in the field.
            signing.accept_upload(db, links.upload_token, handed_out, toolkit)
        with transaction() as db:
            row = db.scalar(select(Signature).where(Signature.document_id == plan.id))
            assert row is not None and row.state == SignatureState.WAITING
            assert file_of(db.get(Document, plan.id), "signed1") is None  # type: ignore[arg-type]
            # The download link was one-time: spent.
            with pytest.raises(Exception, match="liên kết ký"):
                signing.download_for_signing(db, links.download_token)


@pytest.mark.sqlite_only  # the session's token holds one key per label: the plan's test has both
def test_an_hsm_key_and_the_live_tsa_and_crl_sign_b_lt(
    app: Flask, database_url: str, live_pki: LivePki, softhsm_dir: Path, tmp_path: Path
) -> None:
    """Production's way: every key in a PKCS#11 token (SoftHSM2 here) that asks for the signer's
    PIN, timestamps from a TSA URL, revocation data fetched from the CA's CRL and embedded:
    B-LT, valid offline. A wrong PIN fails the step at once, saying so; the PIN never stays."""
    with app.app_context():
        with transaction() as db:
            campaign_id = load_demo(db, new_campaign=True).id
            # The live CA's folder as the signing folder: its certificates name the live CRL.
            folder = str(live_pki.pki.folder)
            live = signing_config(tmp_path / "var", database_url, signing_dir_setting=folder)
            pki = ensure_demo_keys(db, live, live_pki.base_url)
        drive_campaign(campaign_id)
        run_due_jobs()
        plan = next(d for d in _issued(campaign_id) if d.kind == "KH")
        with transaction() as db:
            labels = [signing.key_label(plan, row) for row in signing.signatures_of(db, plan.id)]
        token = token_with([(k, pki.key_path(k)) for k in labels], pki)
        hsm = signing_config(
            tmp_path / "var",
            database_url,
            signing_dir_setting=folder,
            pkcs11_module=token.module,
            pkcs11_token=token.token_label,
            tsa_url=live_pki.tsa_url,
        )  # no PIN configured: each signer gives theirs
        app.config["VANTHU"] = hsm  # the workers' configuration: their toolkit is built from it

        def sign_with(step: int, given: str) -> Signature:
            with transaction() as db:
                sealed = pin.seal(given, hsm.secret_key)
                signing.request(db, Caller.system(), plan.id, step, sealed)
            run_due_jobs()
            with transaction() as db:
                row = db.scalar(
                    select(Signature).where(
                        Signature.document_id == plan.id, Signature.step == step
                    )
                )
                assert row is not None
                sign_jobs = db.scalars(select(Job).where(Job.kind == JobKind.SIGN)).all()
                assert all("pin" not in job.payload for job in sign_jobs)  # none kept, even sealed
                db.expunge(row)
                return row

        refused = sign_with(1, "000000")
        assert refused.state == SignatureState.FAILED
        assert "Mã PIN" in refused.last_error
        for step in (1, 2):
            assert sign_with(step, token.pin).state == SignatureState.SIGNED
        toolkit = Toolkit.from_config(hsm)
        with transaction() as db:
            doc = db.get(Document, plan.id)
            assert doc is not None
            final = signing.fully_signed(db, doc)
            assert final is not None
            reports = validate(bytes(final.content), toolkit.roots)
        assert [(r.valid, r.level) for r in reports] == [(True, "B-LT"), (True, "B-LT")]
