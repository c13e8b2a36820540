"""API callers for tests: an account of a given role with a bearer token."""

from __future__ import annotations

import secrets

from flask import Flask
from flask.testing import FlaskClient

from service.commands import tokens, users
from service.commands.caller import Caller
from service.database import transaction

# Commands run by a test itself, outside any request: the system, on the configured clock.
SYSTEM = Caller.system()


def bearer(role: str = "admin", organisation_id: int | None = None) -> str:
    """A new account with `role` and a token for it; the token."""
    username = f"api-{role}-{secrets.token_hex(4)}"
    with transaction() as db:
        user = users.create(
            db,
            SYSTEM,
            username,
            f"Tài khoản {role}",
            secrets.token_urlsafe(12),
            role,
            organisation_id,
        )
        return tokens.issue(db, SYSTEM, "tests", user)[1]


def api_client(app: Flask, role: str = "admin", organisation_id: int | None = None) -> FlaskClient:
    """A test client whose every request carries a bearer token of a `role` account."""
    client = app.test_client()
    with app.app_context():
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {bearer(role, organisation_id)}"
    return client
