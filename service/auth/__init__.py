"""Sign-in and permissions shared by the web UI and (later) the API: no Flask in here."""

from service.auth.passwords import hash_password, password_problem, verify_password
from service.auth.rules import Forbidden, can, check, sees

__all__ = [
    "Forbidden",
    "can",
    "check",
    "hash_password",
    "password_problem",
    "sees",
    "verify_password",
]
