"""Server-side sessions: a copied cookie dies with its session, whatever ended it; the
password form's attempt limit; API tokens after a new password."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from service.auth import verify_password
from service.commands import sessions, tokens, users
from service.database import transaction
from service.identity import SESSION_ID, SESSION_SETTINGS
from service.models import AuditEntry, User, UserSession
from service.timeutil import utcnow
from tests.auth_helper import SYSTEM
from tests.test_web import signed_in, text
from tests.test_web_support import Accounts, accounts, campaign_id

__all__ = ["accounts", "campaign_id"]  # fixtures used here

COOKIE = SESSION_SETTINGS["SESSION_COOKIE_NAME"]


def _copy(app: Any, browser: FlaskClient) -> FlaskClient:
    """Another client holding the same session cookie, as a thief who copied it would."""
    cookie = browser.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def _session_id(browser: FlaskClient) -> str:
    with browser.session_transaction() as cookie:
        return tokens.digest(cookie[SESSION_ID])


def _last_seen(app: Any, browser: FlaskClient) -> datetime:
    with app.app_context(), transaction() as db:
        row = db.get(UserSession, _session_id(browser))
        assert row is not None
        return row.last_seen_at


def _set_row(app: Any, browser: FlaskClient, **values: datetime) -> None:
    with app.app_context(), transaction() as db:
        db.execute(
            update(UserSession).where(UserSession.id == _session_id(browser)).values(**values)
        )


def _user(app: Any, username: str) -> User:
    with app.app_context(), transaction() as db:
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        return user


def _signed_out(response: Any) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_cookie_names_only_a_session(app: Any, accounts: Accounts) -> None:
    browser = app.test_client()
    signed_in(browser, accounts, "staff")
    with browser.session_transaction() as cookie:
        assert set(cookie) - {"csrf_token", "_flashes", "_permanent"} == {SESSION_ID}


def test_a_copied_cookie_is_refused_after_sign_out(app: Any, accounts: Accounts) -> None:
    browser = app.test_client()
    token = signed_in(browser, accounts, "staff")
    page, api = _copy(app, browser), _copy(app, browser)
    assert page.get("/").status_code == 200  # the copy works while the session lives
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 303
    assert _signed_out(page.get("/"))
    assert "đã kết thúc" in text(page.get("/login"))
    assert api.get("/api/v1/campaigns").status_code == 401


def test_a_new_password_ends_every_other_session_and_revokes_api_tokens(
    app: Any, accounts: Accounts
) -> None:
    username, password = accounts["staff"]
    other = app.test_client()
    signed_in(other, accounts, "staff")
    other_api = _copy(app, other)
    browser = app.test_client()
    token = signed_in(browser, accounts, "staff")
    old_cookie = _copy(app, browser)
    with app.app_context(), transaction() as db:
        plain = tokens.issue(db, SYSTEM, "máy báo cáo", _user(app, username))[1]
    bearer = app.test_client()
    bearer.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    assert bearer.get("/api/v1/campaigns").status_code == 200
    new = "mat-khau-moi-dai"
    changed = browser.post(
        "/account/password",
        data={"csrf_token": token, "password": password, "new_password": new, "confirm": new},
        follow_redirects=True,
    )
    assert changed.status_code == 200 and "đã thu hồi 1 khóa API" in text(changed)
    assert browser.get("/").status_code == 200  # this browser was given a new session
    assert _signed_out(other.get("/")) and _signed_out(old_cookie.get("/"))
    assert other_api.get("/api/v1/campaigns").status_code == 401
    assert bearer.get("/api/v1/campaigns").status_code == 401
    with app.app_context(), transaction() as db:
        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.actor == username)).all()
    assert {"user.password", "token.revoke"} <= set(actions)


def test_deactivation_ends_every_session_for_good(app: Any, accounts: Accounts) -> None:
    browser = app.test_client()
    signed_in(browser, accounts, "staff")
    api = _copy(app, browser)
    admin = app.test_client()
    admin_token = signed_in(admin, accounts, "admin")
    staff = _user(app, accounts["staff"][0])
    for active in ("0", "1"):  # locked, then unlocked: the old sessions stay ended
        answer = admin.post(
            f"/users/{staff.id}/active", data={"csrf_token": admin_token, "active": active}
        )
        assert answer.status_code == 303
    assert _signed_out(browser.get("/"))
    assert api.get("/api/v1/campaigns").status_code == 401


def test_the_password_form_locks_after_repeated_failures(app: Any, accounts: Accounts) -> None:
    username, password = accounts["staff"]
    browser = app.test_client()
    token = signed_in(browser, accounts, "staff")
    new = "mat-khau-moi-dai"
    form = {"csrf_token": token, "password": "sai-mat-khau", "new_password": new, "confirm": new}
    for _ in range(users.MAX_FAILURES):
        refused = browser.post("/account/password", data=form)
        assert refused.status_code == 422 and users.WRONG_PASSWORD in text(refused)
    locked = browser.post("/account/password", data={**form, "password": password})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "quá nhiều lần" in text(locked)
    with app.app_context(), transaction() as db:
        failed = db.scalars(
            select(AuditEntry).where(AuditEntry.action == users.PASSWORD_FAILED)
        ).all()
        assert len(failed) == users.MAX_FAILURES
        assert {(e.actor, e.object_id) for e in failed} == {(username, username)}
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None and verify_password(user.password_hash, password)
    assert browser.get("/").status_code == 200  # locked out of the form, not signed out


@pytest.mark.parametrize(
    "column, age",
    [
        ("created_at", sessions.ABSOLUTE_LIFETIME + timedelta(minutes=1)),
        ("last_seen_at", sessions.IDLE_LIFETIME + timedelta(minutes=1)),
    ],
    ids=["absolute", "idle"],
)
def test_sessions_expire_from_their_row(
    app: Any, accounts: Accounts, campaign_id: int, column: str, age: timedelta
) -> None:
    browser = app.test_client()
    signed_in(browser, accounts, "staff")
    _set_row(app, browser, **{column: utcnow() - age})
    assert _signed_out(browser.get(f"/campaigns/{campaign_id}"))
    assert "hết hạn" in text(browser.get("/login"))


def test_last_use_is_written_at_most_once_a_minute(app: Any, accounts: Accounts) -> None:
    browser = app.test_client()
    signed_in(browser, accounts, "staff")
    recent = utcnow() - sessions.TOUCH_EVERY / 2
    _set_row(app, browser, last_seen_at=recent)
    assert browser.get("/").status_code == 200
    assert _last_seen(app, browser) == recent
    old = utcnow() - 2 * sessions.TOUCH_EVERY
    _set_row(app, browser, last_seen_at=old)
    assert browser.get("/").status_code == 200
    assert _last_seen(app, browser) > old
