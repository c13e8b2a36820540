"""Who is calling the API: a bearer token, or the staff UI's session; and what they may do.

Every API call is authenticated here, before its input is read. A session may call the API from
the UI's own pages, but a change made that way must carry the UI's CSRF token, since a cookie
alone would let another site act for the user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from flask import request
from sqlalchemy.orm import Session
from werkzeug.exceptions import Unauthorized

from service.api import api
from service.commands import tokens
from service.commands.caller import Caller
from service.database import session, transaction
from service.identity import (
    actor,
    authenticated,
    caller,
    csrf,
    current_user,
    require,
    session_user,
)

# The same request-scoped helpers as the UI's: the request's user is set here for the API.
__all__ = ["actor", "as_caller", "caller", "current_user", "permitted", "require"]

T = TypeVar("T")
P = ParamSpec("P")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="vanthu"'}


class NotAuthenticated(Unauthorized):
    description = "Chưa xác thực: gửi tiêu đề Authorization: Bearer <khóa API>"

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [*super().get_headers(*args, **kwargs), *CHALLENGE.items()]


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@api.before_request
def authenticate() -> None:
    presented = _bearer()
    if presented is not None:
        token = tokens.find(session(), presented)
        user = token.user if token is not None else None
        if token is not None and tokens.stale(token):
            with transaction() as db:  # a write once a minute, not one per call
                tokens.touch(db, token.id)
    else:
        user = session_user()
        if user is not None and request.method not in SAFE_METHODS:
            csrf.protect()
    if user is None:
        raise NotAuthenticated()
    authenticated(user)


def permitted(action: str, obj: T) -> T:
    """`obj`, once the caller may do `action` on it (else 404 or 403, as `require`)."""
    require(action, obj)
    return obj


def as_caller(
    command: Callable[Concatenate[Session, Caller, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run a use case for the request's user in a transaction of its own: what an endpoint that
    changes something does (the use case checks the permission)."""
    with transaction() as db:
        return command(db, caller(), *args, **kwargs)
