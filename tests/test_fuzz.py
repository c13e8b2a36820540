"""Schemathesis against /api/v1/openapi.json: no 5xx, and every response matches the schema.

The app and its database are made when the module is collected: schemathesis parametrizes
the test from the live schema.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from service import migrate
from service.app import create_app
from service.config import Config
from service.database import init_engine, transaction
from service.seed.load import load_demo
from tests.auth_helper import bearer

pytestmark = pytest.mark.slow
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    checks.response_schema_conformance,
    checks.content_type_conformance,
    checks.status_code_conformance,
    checks.allow_header_conformance,
]


FOLDER = Path(tempfile.mkdtemp(prefix="vanthu-fuzz-"))
URL = f"sqlite:///{FOLDER / 'fuzz.sqlite'}"


def _fuzzed_app():  # type: ignore[no-untyped-def]
    """The app on a database holding the demo campaign, and an administrator's API token."""
    folder, url = FOLDER, URL
    migrate.upgrade(url)
    app = create_app(Config(var_dir=folder, database_url=url, broker_url="memory://"))
    with app.app_context():
        with transaction() as db:
            load_demo(db)
        return app, bearer("admin")


APP, TOKEN = _fuzzed_app()


@pytest.fixture(scope="module", autouse=True)
def fuzzed_database() -> None:
    """Other modules rebind the process-wide session; point it back at this app's database."""
    init_engine(URL)


# A signer's tool uploads a PDF (PUT /signing/{token}/pdf): some shaped like one, some not.
schemathesis.openapi.media_type(
    "application/pdf",
    st.one_of(st.binary(max_size=256), st.binary(max_size=256).map(lambda b: b"%PDF-1.7\n" + b)),
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None)
def test_api_survives_generated_requests(case: schemathesis.Case) -> None:
    with APP.app_context():
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
