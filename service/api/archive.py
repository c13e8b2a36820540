"""The case file (hồ sơ): request a build, follow its progress, download the newest ZIP."""

from __future__ import annotations

from flask import Response

from service.api import api
from service.api.access import as_caller, permitted
from service.api.schemas import ArchiveBuildOut
from service.api.spec import file_responses
from service.commands import archive
from service.commands.campaigns import get_campaign
from service.database import session
from service.downloads import content_disposition, log_read
from service.models import ArchiveBuild


@api.post("/campaigns/<int:campaign_id>/archive")
@api.output(ArchiveBuildOut, status_code=202)
@api.doc(responses={202: "Build requested (or the pending one)", 409: "Report not issued yet"})
def request_archive(campaign_id: int) -> ArchiveBuild:
    return as_caller(archive.request_build, campaign_id)


@api.get("/campaigns/<int:campaign_id>/archive")
@api.output(ArchiveBuildOut)
def archive_status(campaign_id: int) -> ArchiveBuild:
    db = session()
    permitted("archive.view", get_campaign(db, campaign_id))
    return archive.newest_build(db, campaign_id)


@api.get("/campaigns/<int:campaign_id>/archive/file")
@api.doc(responses=file_responses("Tệp ZIP của lần lập hồ sơ mới nhất", "application/zip"))  # type: ignore[arg-type]
def download_archive(campaign_id: int) -> Response:
    db = session()
    permitted("archive.download", get_campaign(db, campaign_id))
    build = archive.newest_build(db, campaign_id, finished=True)
    response = Response(archive.verified_chunks(build), mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(build.filename)
    response.headers["Content-Length"] = str(build.size)
    response.headers["ETag"] = build.sha256
    log_read("archive.download", "archive", build.id, f"{build.filename} sha256={build.sha256}")
    return response
