"""Who is signed in: the signed session cookie, its expiry, and the permission helpers of views."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import flash, g, jsonify, redirect, request, session, url_for
from werkzeug.wrappers import Response

from service import audit, auth
from service.database import session as db_session
from service.models import User
from service.web.blueprint import web

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

PUBLIC_ENDPOINTS = frozenset({"web.login", "web.static"})


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


@web.before_request
def require_sign_in() -> Response | tuple[Response, int] | None:
    g.user = session_user()
    if g.user is not None:
        audit.set_actor(db_session(), g.user.username)
        return None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    expired = "user_id" in session
    session.clear()
    message = (
        "Phiên làm việc đã hết hạn, vui lòng đăng nhập lại"
        if expired
        else "Vui lòng đăng nhập để tiếp tục"
    )
    if request.path.endswith(".json"):
        return jsonify({"message": message}), 401
    flash(message, "warning")
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


def current_user() -> User:
    user: User = g.user
    return user


def actor() -> str:
    return current_user().username


def require(action: str, obj: Any = None) -> None:
    """NotFound for an object out of the user's scope, Forbidden if the role lacks `action`."""
    auth.check(current_user(), action, obj)


def can(action: str, obj: Any = None) -> bool:
    user: User | None = g.get("user")
    return auth.can(user, action, obj)


def safe_next(target: str | None) -> str:
    """Only a path on this site is a place to go after signing in (no open redirect)."""
    if not target:
        return url_for("web.campaigns")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return url_for("web.campaigns")
    return target


@web.context_processor
def inject_user() -> dict[str, Any]:
    return {"current_user": g.get("user"), "can": can, "role_labels": auth.ROLE_LABELS}


CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'self'",
        "form-action 'self'",
        "base-uri 'self'",
    )
)


@web.after_request
def security_headers(response: Response) -> Response:
    """Pages load nothing from elsewhere (no CDN) and may be framed only by the app itself."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Cache-Control", "no-store")
    return response
