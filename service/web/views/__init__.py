"""The pages of the web UI, one module per area."""

from service.web.views import accounts, campaigns, dashboard, documents, progress, visits

__all__ = ["accounts", "campaigns", "dashboard", "documents", "progress", "visits"]
