"""Progress of asynchronous work: each job's state, attempts and last error."""

from __future__ import annotations

from typing import Any

from service.api import api
from service.api.access import require
from service.api.paging import listing, paged
from service.api.schemas import JobOut, JobPage, JobQuery
from service.commands.campaigns import get
from service.database import session
from service.models import Job


@api.get("/jobs")
@paged(JobPage, JobQuery)
def list_jobs(query: dict[str, Any]) -> dict[str, Any]:
    return listing("job.view", Job, query, ("campaign_id", "document_id", "state"))


@api.get("/jobs/<int:job_id>")
@api.output(JobOut)
def get_job(job_id: int) -> Job:
    require("job.view")
    return get(session(), Job, job_id, "công việc")  # type: ignore[no-any-return]
