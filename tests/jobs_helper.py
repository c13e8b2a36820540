"""Run due jobs in the test process, as a worker would (for tests that need rendered files)."""

from __future__ import annotations

from sqlalchemy import select

from service import runner
from service.database import transaction
from service.models import Job
from service.timeutil import utcnow
from workers.kinds import KINDS


def run_due_jobs(limit: int = 1000, kind: str | None = None) -> list[str]:
    """Claim and run every due job (of `kind`, if given) until none is left; each outcome."""
    outcomes = []
    for _ in range(limit):
        with transaction() as db:
            due = select(Job.id).where(Job.state == "queued", Job.run_after <= utcnow())
            if kind is not None:
                due = due.where(Job.kind == kind)
            job_id = db.scalar(due.order_by(Job.id).limit(1))
        if job_id is None:
            return outcomes
        outcomes.append(runner.execute(job_id, KINDS, 300))
    raise AssertionError("jobs kept coming")
