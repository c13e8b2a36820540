"""Celery tasks: thin wrappers that hand a job id to the runner, and the periodic sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from celery import shared_task
from flask import current_app

from service import jobs, runner
from service.commands import archiving, delivery, dispatch, rendering
from service.database import transaction
from service.documents.libreoffice import Converter, libreoffice_available
from service.documents.render import RENDER_SECONDS, time_limit
from service.mail.transport import transport_for
from service.models import Job
from workers import pdf
from workflows.vocabulary import JobKind


def _converter() -> Converter | None:
    """This process's warm LibreOffice, or None when it is not installed (DOCX only)."""
    config = current_app.config["VANTHU"]
    return pdf.get_converter().convert if libreoffice_available(config.soffice) else None


def _send(job: Job) -> None:
    config = current_app.config["VANTHU"]
    delivery.deliver(job, transport_for(config), config.mail_from, config.timezone)


# A render job's hard stop in the worker, beyond the sandbox's own RENDER_SECONDS: the render
# fails as over time, for good (rendering.render), instead of holding the worker.
RENDER_TIME_LIMIT = 3 * RENDER_SECONDS


def _render(job: Job) -> None:
    with time_limit(RENDER_TIME_LIMIT):
        rendering.render(int(job.document_id or 0))


HANDLERS: dict[str, runner.Handler] = {
    JobKind.RENDER: _render,
    JobKind.CONVERT: lambda job: rendering.convert(int(job.document_id or 0), _converter()),
    JobKind.ARCHIVE: lambda job: archiving.handle(
        job, _converter(), current_app.config["VANTHU"].timezone
    ),
    JobKind.SEND: _send,
}
jobs.when_given_up(JobKind.CONVERT, rendering.conversion_given_up)
jobs.when_given_up(JobKind.ARCHIVE, archiving.given_up)
jobs.when_handed_back(JobKind.ARCHIVE, archiving.handed_back)


@shared_task(name="vanthu.run_job", ignore_result=True)
def run_job(job_id: int) -> str:
    config = current_app.config["VANTHU"]
    holdings = runner.Holdings.from_env(config.var_dir)
    return runner.execute(job_id, HANDLERS, config.lease_seconds, holdings)


@shared_task(name="vanthu.sweep", ignore_result=True)
def sweep() -> dict[str, Any]:
    """Re-ring every job whose message seems lost or whose lease expired: nothing is lost."""
    config = current_app.config["VANTHU"]
    with transaction() as db:
        due = jobs.sweep(db, grace_seconds=max(2.0, 2 * config.sweep_seconds))
    for job_id, kind in due:
        jobs.ring(job_id, kind)
    with transaction() as db:  # the database decides which reminders are due, once each
        now = datetime.now(ZoneInfo(config.timezone)).replace(tzinfo=None)
        reminders = dispatch.schedule_reminders(db, config.reminder_days, now)
        dispatch.reconcile(db)
    return {"rung": len(due), "reminders": len(reminders)}
