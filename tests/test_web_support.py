"""Shared pieces of the web UI tests: the demo campaign, one account per role, signing in."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from service.commands.users import ensure_demo_accounts
from service.database import transaction
from service.models import Job
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM
from tests.jobs_helper import run_due_jobs

Accounts = dict[str, tuple[str, str]]


@pytest.fixture
def campaign_id(app: Any) -> int:
    with app.app_context(), transaction() as db:
        return load_demo(db).id


@pytest.fixture
def accounts(app: Any, campaign_id: int) -> Accounts:
    """role -> (username, password), the district user in thành phố Lạng Sơn's office."""
    with app.app_context(), transaction() as db:
        return {user.role: (user.username, pw) for user, pw in ensure_demo_accounts(db, SYSTEM)}


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str) -> TestResponse:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )


def settle(app: Any, timeout: float = 240.0) -> None:
    """Run jobs in this process, as workers would, until none is queued or running.

    A job waiting on another (the case file waits for every PDF) is retried after its backoff,
    so this waits for its `run_after` instead of giving up.
    """
    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            run_due_jobs()
            with transaction() as db:
                waiting = db.scalars(
                    select(Job.id).where(Job.state.in_(("queued", "running")))
                ).all()
            if not waiting:
                return
            assert time.monotonic() < deadline, f"jobs still waiting: {waiting}"
            time.sleep(0.5)
