"""API callers for tests: an account of a given role with a bearer token."""

from __future__ import annotations

import secrets
from typing import Any

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


def campaign_targets(client: FlaskClient, campaign_id: int) -> list[dict[str, Any]]:
    """Every target of the campaign the client may see, page after page, with its visit."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = client.get(f"/api/v1/campaigns/{campaign_id}/targets?per_page=100&page={page}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        found += answer.json["items"]
        if page >= answer.json["meta"]["pages"]:
            return found
        page += 1
