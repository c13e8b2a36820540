"""A job given up leaves nothing behind that claims to be under way (issue 14's stuck build)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import update

import workers.tasks  # noqa: F401  (registers what each kind leaves when it is given up)
from service import jobs
from service.commands import archive as archive_commands
from service.database import transaction
from service.models import ArchiveBuild, Document, Job
from service.seed.load import load_demo
from service.timeutil import utcnow
from tests.auth_helper import SYSTEM
from workflows.vocabulary import ArchiveState, DocumentStatus, JobKind, JobState


def test_a_build_whose_last_attempt_died_is_failed_and_can_be_requested_again(
    app: Flask,
) -> None:
    """The worker died on the archive job's last attempt: the sweep gives the job up, and the
    build is marked failed in the same transaction, so a new case file can be requested."""
    with app.app_context():
        with transaction() as db:
            campaign = load_demo(db)
            db.add(
                Document(
                    campaign_id=campaign.id,
                    kind="BC",
                    subject_key="",
                    version=1,
                    status=DocumentStatus.ISSUED,
                    issuer_id=campaign.issuer_id,
                    year=2023,
                    created_by="test",
                )
            )
            db.flush()
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
        with transaction() as db:
            assert jobs.sweep(db, grace_seconds=2.0) == []
        with transaction() as db:
            given_up = db.get(Job, job.id)
            stuck = db.get(ArchiveBuild, build_id)
            assert given_up is not None and stuck is not None
            assert given_up.state == JobState.FAILED
            assert stuck.state == ArchiveState.FAILED and stuck.last_error
            again = archive_commands.request_build(db, SYSTEM, campaign_id)
            assert again.id != build_id and again.state == ArchiveState.QUEUED
