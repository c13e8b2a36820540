"""A job given up leaves nothing behind that claims to be under way (issue 14's stuck build)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import update

from service import jobs, runner
from service.commands import archive as archive_commands
from service.database import transaction
from service.documents.store import put_file
from service.models import ArchiveBuild, Dispatch, Document, Job
from service.queries import consistency
from service.seed.load import load_demo
from service.timeutil import utcnow
from tests.auth_helper import SYSTEM
from workers.kinds import KINDS
from workflows.vocabulary import ArchiveState, DispatchState, DocumentStatus, JobKind, JobState


def test_a_build_whose_last_attempt_died_is_failed_and_can_be_requested_again(
    app: Flask,
) -> None:
    """The worker died on the archive job's last attempt: the sweep gives the job up, and the
    build is marked failed in the same transaction, so a new case file can be requested."""
    with app.app_context():
        with transaction() as db:
            campaign = load_demo(db)
            report = Document(
                campaign_id=campaign.id,
                kind="BC",
                subject_key="",
                version=1,
                status=DocumentStatus.ISSUED,
                issuer_id=campaign.issuer_id,
                year=2023,
                created_by="test",
            )
            db.add(report)
            db.flush()
            jobs.enqueue_for(db, JobKind.RENDER, report, "issued")  # its files are on the way
            build = archive_commands.request_build(db, SYSTEM, campaign.id)
            campaign_id, build_id = campaign.id, build.id
        with transaction() as db:  # a worker took the last attempt, ran the build and died
            job = db.query(Job).filter(Job.kind == JobKind.ARCHIVE).one()
            assert jobs.claim(db, job.id, lease_seconds=300)
            db.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(attempts=Job.max_attempts, lease_until=utcnow() - timedelta(seconds=1))
            )
            db.execute(
                update(ArchiveBuild)
                .where(ArchiveBuild.id == build_id)
                .values(state=ArchiveState.RUNNING)
            )
        with transaction() as db:  # the invariant check sees both the build and its job stuck
            stuck_now = consistency.problems(db)
            assert len(stuck_now) == 2, stuck_now
            assert stuck_now[0].startswith(f"Bản lập hồ sơ #{build_id} «Đang lập hồ sơ»")
            assert stuck_now[1].startswith(f"Việc #{job.id} (Lập hồ sơ) «Đang xử lý»")
            assert runner.sweep(db, KINDS, grace_seconds=2.0) == []
        with transaction() as db:
            assert consistency.problems(db) == []
        with transaction() as db:
            given_up = db.get(Job, job.id)
            stuck = db.get(ArchiveBuild, build_id)
            assert given_up is not None and stuck is not None
            assert given_up.state == JobState.FAILED
            assert stuck.state == ArchiveState.FAILED and stuck.last_error
            again = archive_commands.request_build(db, SYSTEM, campaign_id)
            assert again.id != build_id and again.state == ArchiveState.QUEUED
        with transaction() as db:
            assert consistency.problems(db) == []


def test_the_check_names_an_email_and_a_document_with_nothing_behind_them(app: Flask) -> None:
    """A dispatch still `sending`, and a DOCX without its PDF (or a note why), each need a live
    job of their own: once their jobs are over, the invariant check names them."""
    with app.app_context():
        with transaction() as db:
            campaign = load_demo(db)
            doc = Document(
                campaign_id=campaign.id,
                kind="KH",
                status=DocumentStatus.ISSUED,
                issuer_id=campaign.issuer_id,
                year=2023,
            )
            db.add(doc)
            db.flush()
            put_file(db, doc, "docx", b"docx")
            convert = jobs.enqueue_for(db, JobKind.CONVERT, doc, "v1")
            dispatch = Dispatch(
                document_id=doc.id,
                campaign_id=campaign.id,
                recipient_name="Sở Y tế",
                address="syt@example.org",
                state=DispatchState.SENDING,
                message_id="<m1@example.org>",
            )
            db.add(dispatch)
            db.flush()
            send = jobs.enqueue(
                db, JobKind.SEND, "send:t", document_id=doc.id, payload={"dispatch_id": dispatch.id}
            )
            doc_id, dispatch_id = doc.id, dispatch.id
        with transaction() as db:
            assert consistency.problems(db) == []  # both jobs are queued
            for job_id in (convert.id, send.id):
                finished = db.get(Job, job_id)
                assert finished is not None
                jobs.finish(db, finished)
        with transaction() as db:
            found = consistency.problems(db)
        assert [p.split(":")[0] for p in found] == [
            f"Thư gửi #{dispatch_id} tới syt@example.org «Đang gửi»",
            f"Văn bản #{doc_id} (KH, Đã ban hành) chưa có bản PDF",
        ]
