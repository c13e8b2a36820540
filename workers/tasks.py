"""Celery tasks: thin wrappers that hand a job id to the runner, and the periodic sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from celery import shared_task
from flask import current_app

from service import jobs, runner
from service.commands import dispatch
from service.database import transaction
from workers.kinds import KINDS


@shared_task(name="vanthu.run_job", ignore_result=True)
def run_job(job_id: int) -> str:
    config = current_app.config["VANTHU"]
    holdings = runner.Holdings.from_env(config.var_dir)
    return runner.execute(job_id, KINDS, config.lease_seconds, holdings, config.claim_batch)


@shared_task(name="vanthu.sweep", ignore_result=True)
def sweep() -> dict[str, Any]:
    """Re-ring every job whose message seems lost or whose lease expired: nothing is lost."""
    config = current_app.config["VANTHU"]
    runner.hand_back_orphans(config.var_dir, KINDS)
    with transaction() as db:
        due = runner.sweep(db, KINDS, grace_seconds=max(2.0, 2 * config.sweep_seconds))
    for job_id, kind in due:
        jobs.ring(job_id, kind, urgent=True)
    with transaction() as db:  # the database decides which reminders are due, once each
        now = datetime.now(ZoneInfo(config.timezone)).replace(tzinfo=None)
        reminders = dispatch.schedule_reminders(db, config.reminder_days, now)
    return {"rung": len(due), "reminders": len(reminders)}
