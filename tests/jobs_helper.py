"""Run due jobs in the test process, as a worker would (for tests that need rendered files)."""

from __future__ import annotations

from sqlalchemy import select

from service import runner
from service.database import transaction
from service.models import Job
from service.timeutil import utcnow
from workers.tasks import HANDLERS


def run_due_jobs(limit: int = 1000) -> list[str]:
    """Claim and run every due job until none is left; returns each outcome."""
    outcomes = []
    for _ in range(limit):
        with transaction() as db:
            job_id = db.scalar(
                select(Job.id)
                .where(Job.state == "queued", Job.run_after <= utcnow())
                .order_by(Job.id)
                .limit(1)
            )
        if job_id is None:
            return outcomes
        outcomes.append(runner.execute(job_id, HANDLERS, 300))
    raise AssertionError("jobs kept coming")
