"""Who is making this request: the signed session, the request's user, and its permissions.

Neutral ground for the API and the staff UI: both import it, neither imports the other. The
session cookie is set by the UI's sign-in; the API also accepts it (with the CSRF token) so the
UI's own pages can call it. `g.user` is set by whichever blueprint authenticated the request.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any

from flask import current_app, g, session
from flask_wtf.csrf import CSRFProtect

from service import audit, auth
from service.commands.caller import Caller
from service.database import session as db_session
from service.models import User

# Idle expiry: Flask refuses a cookie older than this, and every request renews it.
IDLE_LIFETIME = timedelta(minutes=int(os.environ.get("VANTHU_SESSION_MINUTES", "480")))
# Absolute expiry: a session is never longer than this, however busy.
ABSOLUTE_LIFETIME = timedelta(hours=12)

SESSION_SETTINGS: dict[str, Any] = {
    "SESSION_COOKIE_NAME": "vanthu_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": os.environ.get("VANTHU_COOKIE_SECURE") == "1",
    "SESSION_REFRESH_EACH_REQUEST": True,
    "PERMANENT_SESSION_LIFETIME": IDLE_LIFETIME,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, not an hour
}

csrf = CSRFProtect()


def _stamp(user: User) -> str:
    """Changes with the password, so that a new password ends every other session."""
    return user.password_hash[-16:]


def sign_in(user: User) -> None:
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["stamp"] = _stamp(user)
    session["login_at"] = time.time()


def sign_out() -> None:
    session.clear()


def session_user() -> User | None:
    """The user the signed session cookie names, if it is still valid."""
    user_id = session.get("user_id")
    if user_id is None:
        return None
    if time.time() - float(session.get("login_at", 0)) > ABSOLUTE_LIFETIME.total_seconds():
        return None
    user = db_session().get(User, user_id)
    if user is None or not user.active or session.get("stamp") != _stamp(user):
        return None
    return user


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
