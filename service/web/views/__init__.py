"""The pages of the web UI, one module per area."""

from service.web.views import (
    accounts,
    audit_log,
    campaigns,
    dashboard,
    directory,
    documents,
    inbox,
    progress,
    signing,
    submissions,
    templates_page,
    tokens,
    visits,
)

__all__ = [
    "accounts",
    "audit_log",
    "campaigns",
    "dashboard",
    "directory",
    "documents",
    "inbox",
    "progress",
    "signing",
    "submissions",
    "templates_page",
    "tokens",
    "visits",
]
