"""The JSON API under /api/v1."""

from apiflask import APIBlueprint

api = APIBlueprint("api", __name__, url_prefix="/api/v1")

from service.api import (  # noqa: E402,F401
    access,
    archive,
    campaigns,
    dispatches,
    documents,
    jobs,
    organisations,
    signing,
    submissions,
)
