"""Sign-in and permissions shared by the web UI and (later) the API: no Flask in here."""

from service.auth.passwords import hash_password, password_problem, verify_password
from service.auth.rules import (
    ROLE_LABELS,
    Forbidden,
    can,
    check,
    sees,
    visible_documents,
    visible_targets,
)

__all__ = [
    "ROLE_LABELS",
    "Forbidden",
    "can",
    "check",
    "hash_password",
    "password_problem",
    "sees",
    "verify_password",
    "visible_documents",
    "visible_targets",
]
