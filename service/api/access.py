"""Who is calling the API: a bearer token, or the staff UI's signed session; and what they may do.

Every API call is authenticated here, before its input is read. A session may call the API from
the UI's own pages, but a change made that way must carry the UI's CSRF token, since a cookie
alone would let another site act for the user.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import g, request
from werkzeug.exceptions import Unauthorized

from service import audit, auth
from service.api import api
from service.commands import tokens
from service.database import session, transaction
from service.models import User
from service.web.blueprint import csrf
from service.web.session import session_user

T = TypeVar("T")

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
        with transaction() as db:  # commits the token's last use
            user = tokens.authenticate(db, presented)
    else:
        user = session_user()
        if user is not None and request.method not in SAFE_METHODS:
            csrf.protect()
    if user is None:
        raise NotAuthenticated()
    g.user = user
    audit.set_actor(session(), user.username)


def current_user() -> User:
    user: User = g.user
    return user


def actor() -> str:
    return current_user().username


def require(action: str, obj: Any = None) -> None:
    """404 for an object out of the caller's scope, 403 if the role lacks `action`."""
    auth.check(current_user(), action, obj)


def permitted(action: str, obj: T) -> T:
    """`obj`, once the caller may do `action` on it (else 404 or 403, as `require`)."""
    require(action, obj)
    return obj
