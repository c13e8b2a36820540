"""The UI's side of sign-in: pages need a session, where to go after it, and page headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from werkzeug.wrappers import Response

from service import jobs
from service.database import session as db_session
from service.identity import authenticated, can, claims_session, session_user
from service.web.blueprint import web
from workflows.vocabulary import ENUMS

PUBLIC_ENDPOINTS = frozenset({"web.login", "web.static"})


@web.before_request
def require_sign_in() -> Response | tuple[Response, int] | None:
    user = session_user()
    if user is not None:
        authenticated(user)
        return None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    expired = claims_session()  # signed out elsewhere, idle, too old, or the account locked
    session.clear()
    message = (
        "Phiên làm việc đã hết hạn hoặc đã kết thúc, vui lòng đăng nhập lại"
        if expired
        else "Vui lòng đăng nhập để tiếp tục"
    )
    if request.path.endswith(".json"):
        return jsonify({"message": message}), 401
    flash(message, "warning")
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


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
    """Every page knows who is signed in, what they may do, and the states' enums."""
    return {
        "current_user": g.get("user"),
        "can": can,
        "overdue_jobs": overdue_jobs,
        **{e.__name__: e for e in ENUMS},
    }


def overdue_jobs() -> tuple[int, int]:
    """Jobs overdue by more than a lease, and the lease in seconds: one COUNT, run only when the
    page shows the administrators' banner (the template calls it for them alone)."""
    lease: int = current_app.config["VANTHU"].lease_seconds
    return jobs.overdue(db_session(), lease), lease


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
