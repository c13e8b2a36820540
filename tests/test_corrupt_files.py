"""Stored bytes that changed after they were stored are never served, mailed, converted or
archived: every reader checks the SHA-256, refuses, logs and writes an audit entry.

Each test corrupts 16 bytes of a stored file in the database, as a failing disk or a careless
UPDATE would, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from service import runner
from service.commands import archiving, documents, templates
from service.database import session, transaction
from service.documents import store
from service.documents.store import CORRUPT, CORRUPT_ACTION, CorruptFile, file_of
from service.models import ArchiveBuild, Dispatch, Document, DocumentFile, Job, Template
from service.models.user import AuditEntry
from service.seed.load import load_demo
from tests import test_mail
from tests.auth_helper import SYSTEM, api_client
from tests.test_mail import SmtpServer, drain
from workers import kinds as job_kinds
from workflows.vocabulary import ArchiveState, DispatchState, JobKind, JobState

# The SMTP server and the app wired to it, shared with the e-mail tests.
smtp, mail_app, no_libreoffice = test_mail.smtp, test_mail.mail_app, test_mail.no_libreoffice


def corrupt(content: bytes, at: int = 1000) -> bytes:
    """The same bytes with 16 of them changed."""
    return content[:at] + bytes(b ^ 0xFF for b in content[at : at + 16]) + content[at + 16 :]


def issue_plan() -> int:
    with transaction() as db:
        campaign = load_demo(db)
        plan = documents.draft(db, SYSTEM, campaign.id, "KH")
        documents.issue(db, SYSTEM, plan.id, date(2023, 4, 5))
        return plan.id


def corrupt_docx(doc_id: int) -> bytes:
    """Corrupt the stored DOCX of `doc_id`; the corrupt bytes."""
    with transaction() as db:
        doc = db.get(Document, doc_id)
        assert doc is not None
        stored = file_of(doc, "docx")
        assert stored is not None
        bad = corrupt(stored.content)
        db.execute(update(DocumentFile).where(DocumentFile.id == stored.id).values(content=bad))
        return bad


def alerts(object_type: str) -> list[AuditEntry]:
    """The corrupt file alerts so far; a request's session ends with it, as when the app tears
    down the request (here the fixture's app context outlives each request)."""
    session.remove()
    with transaction() as db:
        return list(
            db.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == CORRUPT_ACTION, AuditEntry.object_type == object_type
                )
            )
        )


def test_a_corrupt_docx_is_neither_downloaded_nor_resent(
    mail_app: Flask, smtp: SmtpServer, no_libreoffice: None
) -> None:
    client = api_client(mail_app)
    plan_id = issue_plan()
    drain()
    sent = len(smtp.snapshot())
    assert sent == 34
    good = client.get(f"/api/v1/documents/{plan_id}/files/docx")
    assert good.status_code == 200
    bad = corrupt_docx(plan_id)

    download = client.get(f"/api/v1/documents/{plan_id}/files/docx")
    assert download.status_code == 409
    assert download.json["problems"][0].startswith(f"{CORRUPT}: tệp DOCX của văn bản 01/KH-")
    assert bad[1000:1016] not in download.data and "ETag" not in download.headers
    (entry,) = alerts("document")
    assert entry.object_id == str(plan_id) and hashlib.sha256(bad).hexdigest() in entry.detail

    one = dispatches_of(plan_id)[0]
    refused = client.post(f"/api/v1/dispatches/{one}/resend")  # refused now, not when due
    assert refused.status_code == 409 and refused.json["problems"][0].startswith(CORRUPT)
    assert client.get(f"/api/v1/dispatches/{one}").json["state"] == DispatchState.SENT
    assert len(smtp.snapshot()) == sent  # nothing went out, corrupt or not
    assert len(alerts("document")) == 2


def dispatches_of(doc_id: int) -> list[int]:
    with transaction() as db:
        return list(
            db.scalars(
                select(Dispatch.id).where(Dispatch.document_id == doc_id).order_by(Dispatch.id)
            )
        )


def test_a_corrupt_docx_is_not_converted_and_its_mail_is_not_sent(
    mail_app: Flask, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    converted: list[bytes] = []
    monkeypatch.setattr(job_kinds, "_converter", lambda: lambda docx: converted.append(docx) or b"")
    plan_id = issue_plan()
    with transaction() as db:
        render = db.scalars(select(Job.id).where(Job.kind == JobKind.RENDER)).one()
    assert runner.execute(render, job_kinds.KINDS, 300) == "done"
    corrupt_docx(plan_id)

    with transaction() as db:
        convert = db.scalars(select(Job.id).where(Job.kind == JobKind.CONVERT)).one()
    assert runner.execute(convert, job_kinds.KINDS, 300) == "failed"
    assert converted == []
    with transaction() as db:
        plan = db.get(Document, plan_id)
        assert plan is not None and CORRUPT in plan.pdf_note  # shown on the document
    drain()  # giving up mails the DOCX alone: that send refuses the corrupt bytes too
    assert smtp.snapshot() == []
    with transaction() as db:
        failed = db.scalars(select(Job).where(Job.kind == JobKind.SEND)).all()
        assert failed and all(j.state == JobState.FAILED for j in failed)
        assert all(CORRUPT in j.last_error for j in failed)
        dispatches = db.scalars(select(Dispatch).where(Dispatch.document_id == plan_id)).all()
        # Each dispatch says why at once, without waiting for the sweep's reconciliation.
        assert dispatches and all(d.state == DispatchState.FAILED for d in dispatches)
        assert all(CORRUPT in d.last_error for d in dispatches)
    assert len(alerts("document")) == 1 + len(failed)


def test_the_case_file_build_refuses_a_corrupt_document_file(
    mail_app: Flask, no_libreoffice: None
) -> None:
    plan_id = issue_plan()
    drain()
    corrupt_docx(plan_id)
    with transaction() as db:
        plan = db.get(Document, plan_id)
        assert plan is not None
        stored = file_of(plan, "docx")
        assert stored is not None
        file_id = stored.id
    with pytest.raises(CorruptFile) as refused:
        archiving.read_document_file(file_id)
    assert isinstance(refused.value, runner.PermanentError)  # the archive job fails at once
    assert str(refused.value).startswith(f"{CORRUPT}: tệp DOCX của văn bản 01/KH-")
    assert len(alerts("document")) == 1


def stored_build(campaign_id: int) -> tuple[int, bytes]:
    """A finished build whose content is a small ZIP (the archive job is tested elsewhere)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("Hồ sơ/SHA256SUMS", "x" * 5000)
    content = out.getvalue()
    with transaction() as db:
        build = ArchiveBuild(
            campaign_id=campaign_id,
            state=ArchiveState.DONE,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            filename="Hồ sơ.zip",
            requested_by=SYSTEM.name,
        )
        db.add(build)
        db.flush()
        return build.id, content


def test_a_corrupt_case_file_zip_is_not_downloaded(mail_app: Flask) -> None:
    client = api_client(mail_app)
    with transaction() as db:
        campaign_id = load_demo(db).id
    build_id, content = stored_build(campaign_id)
    url = f"/api/v1/campaigns/{campaign_id}/archive/file"
    assert client.get(url).data == content
    bad = corrupt(content, at=100)
    with transaction() as db:
        db.execute(update(ArchiveBuild).where(ArchiveBuild.id == build_id).values(content=bad))

    download = client.get(url)
    assert download.status_code == 409 and bad[100:116] not in download.data
    assert download.json["problems"][0].startswith(f"{CORRUPT}: tệp ZIP Hồ sơ.zip")
    status = client.get(f"/api/v1/campaigns/{campaign_id}/archive").json
    assert status["state"] == ArchiveState.DONE and CORRUPT in status["last_error"]
    (entry,) = alerts("archive")
    assert entry.object_id == str(build_id) and hashlib.sha256(bad).hexdigest() in entry.detail


def uploaded_template(kind: str = "KH") -> int:
    """An uploaded template of `kind` (the committed one's bytes): the one documents now use."""
    with transaction() as db:
        return templates.replace(db, SYSTEM, kind, store.committed_template(kind)).id


def test_a_corrupt_uploaded_template_is_not_rendered_from(mail_app: Flask) -> None:
    """The render reads the template a draft names and checks it as a document file: the job
    fails at once with the reason and nothing is stored; drafting anew is refused (409)."""
    client = api_client(mail_app)
    with transaction() as db:
        campaign_id = load_demo(db).id
    template_id = uploaded_template()
    draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"})
    assert draft.status_code in (200, 201), draft.json
    with transaction() as db:
        doc = db.get_one(Document, draft.json["id"])
        assert doc.template_id == template_id
        render = db.scalars(select(Job.id).where(Job.kind == JobKind.RENDER)).one()
        good = db.get_one(Template, template_id).content
        bad = corrupt(good)
        db.execute(update(Template).where(Template.id == template_id).values(content=bad))

    assert runner.execute(render, job_kinds.KINDS, 300) == "failed"
    with transaction() as db:
        job = db.get_one(Job, render)
        assert job.attempts == 1  # another attempt would read the same bytes
        assert job.last_error.startswith(f"{CORRUPT}: mẫu KH phiên bản 2 không khớp mã SHA-256")
        assert file_of(db.get_one(Document, draft.json["id"]), "docx") is None
    (entry,) = alerts("template")
    assert entry.object_id == str(template_id) and hashlib.sha256(bad).hexdigest() in entry.detail

    again = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"})
    assert again.status_code == 409 and again.json["problems"][0].startswith(f"{CORRUPT}: mẫu KH")
    assert len(alerts("template")) == 2


def test_a_missing_template_is_an_error_and_none_uploaded_is_the_committed_one(
    mail_app: Flask,
) -> None:
    """The committed template is the default, not a stand-in for a version that is gone."""
    with transaction() as db:
        assert store.template_bytes(db, None, "KH") == store.committed_template("KH")
        assert store.active_template(db, "KH") == (None, store.committed_template("KH"))
        missing = int(db.scalar(select(func.max(Template.id))) or 0) + 1
        with pytest.raises(runner.PermanentError) as refused:
            store.template_bytes(db, missing, "KH")
    assert str(refused.value).startswith(f"Không tìm thấy mẫu KH #{missing}")
    template_id = uploaded_template()
    with transaction() as db:
        assert store.template_bytes(db, template_id, "KH") == store.committed_template("KH")
