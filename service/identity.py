"""Who is making this request: the session, the request's user, and its permissions.

Neutral ground for the API and the staff UI: both import it, neither imports the other. The
session cookie is set by the UI's sign-in and names only a server-side session
(`service.commands.sessions`); the API also accepts it (with the CSRF token) so the UI's own pages
can call it. `g.user` is set by whichever blueprint authenticated the request.
"""

from __future__ import annotations

import os
from typing import Any

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect

from service import audit, auth
from service.commands import sessions
from service.commands.caller import Caller
from service.database import session as db_session
from service.database import transaction
from service.models import User

SESSION_ID = "sid"  # the cookie's one claim: the random id of a server-side session

SESSION_SETTINGS: dict[str, Any] = {
    "SESSION_COOKIE_NAME": "vanthu_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": os.environ.get("VANTHU_COOKIE_SECURE") == "1",
    "SESSION_REFRESH_EACH_REQUEST": True,
    "PERMANENT_SESSION_LIFETIME": sessions.IDLE_LIFETIME,  # the browser forgets it too
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, not an hour
}

csrf = CSRFProtect()


def sign_in(user: User) -> None:
    """A new server-side session for `user`; the cookie starts afresh (no fixation)."""
    with transaction() as db:
        presented = sessions.start(
            db, user, request.headers.get("User-Agent", ""), request.remote_addr or ""
        )
    session.clear()
    session.permanent = True
    session[SESSION_ID] = presented


def sign_out() -> None:
    """End this session on the server, so that a copy of the cookie is worth nothing."""
    presented = session.get(SESSION_ID)
    if isinstance(presented, str):
        with transaction() as db:
            sessions.end(db, presented)
    session.clear()


def claims_session() -> bool:
    """Whether the request carries a session id at all (ended or expired, it says so)."""
    return SESSION_ID in session


def session_user() -> User | None:
    """The user of the live server-side session the cookie names, if any."""
    presented = session.get(SESSION_ID)
    if not isinstance(presented, str):
        return None
    found = sessions.find(db_session(), presented)
    if found is None:
        return None
    if sessions.stale(found):
        with transaction() as db:  # a write once a minute, not one per request
            sessions.touch(db, found.id)
    return found.user


def authenticated(user: User) -> None:
    """Make `user` the request's user, and the actor of what it changes."""
    g.user = user
    audit.set_actor(db_session(), user.username)


def current_user() -> User:
    user: User = g.user
    return user


def actor() -> str:
    return current_user().username


def caller() -> Caller:
    """The request's user on the configured clock: what every command is handed."""
    return Caller(current_user(), current_app.config["VANTHU"].timezone)


def require(action: str, obj: Any = None) -> None:
    """NotFound for an object out of the user's scope, Forbidden if the role lacks `action`."""
    auth.check(current_user(), action, obj)


def can(action: str, obj: Any = None) -> bool:
    user: User | None = g.get("user")
    return auth.can(user, action, obj)
