"""Progress of asynchronous work: each job's state, attempts and last error."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.api import api
from service.api.access import require
from service.api.paging import paginate
from service.api.schemas import JobOut, JobPage, JobQuery
from service.commands.campaigns import get
from service.database import session
from service.models import Job


@api.get("/jobs")
@api.input(JobQuery, location="query", arg_name="query")
@api.output(JobPage)
def list_jobs(query: dict[str, Any]) -> dict[str, Any]:
    require("job.view")
    stmt = select(Job).order_by(Job.id)
    for name in ("campaign_id", "document_id", "state"):
        if query.get(name) is not None:
            stmt = stmt.where(getattr(Job, name) == query[name])
    return paginate(stmt, query["page"], query["per_page"])


@api.get("/jobs/<int:job_id>")
@api.output(JobOut)
def get_job(job_id: int) -> Job:
    require("job.view")
    return get(session(), Job, job_id, "công việc")  # type: ignore[no-any-return]
