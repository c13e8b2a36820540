"""The staff web UI: server-rendered Vietnamese pages over the same use cases as the API."""

from __future__ import annotations

# Importing these registers the blueprint's hooks, filters, error pages and views.
import service.web.errors
import service.web.formatting
import service.web.paging
import service.web.views  # noqa: F401
from service.web.blueprint import web

__all__ = ["web"]
