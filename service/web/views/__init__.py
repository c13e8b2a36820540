"""The pages of the web UI, one module per area."""

from service.web.views import (
    accounts,
    audit_log,
    campaigns,
    dashboard,
    documents,
    progress,
    signing,
    tokens,
    visits,
)

__all__ = [
    "accounts",
    "audit_log",
    "campaigns",
    "dashboard",
    "documents",
    "progress",
    "signing",
    "tokens",
    "visits",
]
