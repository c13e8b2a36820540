"""The API and the staff UI run the same commands: the same case gives the same outcome.

Each test drives one use case through both entry points, where they once drifted apart: the
issuing clock, the commune-in-district rule, the action table's permissions and actions.
"""

from __future__ import annotations

import errno
import html
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from service import commands
from service.app import create_app
from service.commands.actions import ACTIONS
from service.config import Config
from service.database import session, transaction
from service.errors import DISK_FULL
from service.models import Document, Organisation
from service.seed.load import load_demo
from tests.auth_helper import api_client
from tests.test_web_support import Accounts, accounts, csrf_token, sign_in

__all__ = ["accounts"]  # fixture used here

# Twenty-six hours apart: at any moment their dates differ from each other, and one of them
# differs from Asia/Ho_Chi_Minh's.
ZONES = ("Etc/GMT+12", "Etc/GMT-14")


@pytest.fixture(params=ZONES)
def app(request: pytest.FixtureRequest, tmp_path: Any, database_url: str):  # type: ignore[no-untyped-def]
    config = Config(
        var_dir=tmp_path / "var",
        database_url=database_url,
        broker_url="memory://",
        timezone=request.param,
    )
    application = create_app(config)
    application.config["TESTING"] = True
    yield application
    session.remove()


@pytest.fixture
def campaign_id(app: Any) -> int:
    with app.app_context(), transaction() as db:
        return load_demo(db).id


def _ui(app: Any, accounts: Accounts, role: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    assert sign_in(client, *accounts[role]).status_code == 303
    return client, csrf_token(client.get("/").get_data(as_text=True))


def _flashes(client: FlaskClient) -> str:
    return html.unescape(client.get("/").get_data(as_text=True))


def _local_dates(zone: str) -> set[Any]:
    return {datetime.now(ZoneInfo(zone)).date()}


def test_issuing_uses_the_configured_clock_through_api_and_ui(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    zone = app.config["VANTHU"].timezone
    with app.app_context(), transaction() as db:
        other_id = load_demo(db, new_campaign=True).id
    before = _local_dates(zone)
    api = api_client(app, "leader")
    assert api.post(f"/api/v1/campaigns/{campaign_id}/actions/issue_plan", json={}).status_code
    ui, token = _ui(app, accounts, "leader")
    response = ui.post(f"/campaigns/{other_id}/actions/issue_plan", data={"csrf_token": token})
    assert response.status_code == 303
    expected = before | _local_dates(zone)
    with app.app_context():
        plans = session().scalars(select(Document).where(Document.kind == "KH")).all()
        dates = {p.campaign_id: p.issue_date for p in plans if p.status == "issued"}
    assert set(dates) == {campaign_id, other_id}
    assert dates[campaign_id] == dates[other_id]
    assert dates[campaign_id] in expected


def test_the_commune_must_be_in_the_office_district_through_api_and_ui(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        office = Organisation(
            kind="district_office", name="Phòng LĐTBXH huyện Thử", code="T-1", district="huyện Thử"
        )
        commune = Organisation(
            kind="commune_committee", name="UBND xã Khác", code="T-2", district="huyện Khác"
        )
        db.add_all([office, commune])
        db.flush()
        form = {"office_id": office.id, "commune_id": commune.id}
    api = api_client(app, "staff").post(f"/api/v1/campaigns/{campaign_id}/targets", json=form)
    assert api.status_code == 422
    message = api.get_json()["detail"]["json"]["commune_id"][0]
    assert message == "Xã, phường được chọn không thuộc huyện Thử"
    ui, token = _ui(app, accounts, "staff")
    page = ui.post(f"/campaigns/{campaign_id}/targets", data={"csrf_token": token, **form})
    assert page.status_code == 422
    assert message in html.unescape(page.get_data(as_text=True))


def _api_outcome(app: Any, role: str, campaign_id: int, action: str) -> tuple[int, str]:
    """The API's answer for a caller of `role` (a district user in the demo's city office)."""
    office = None
    if role == "district":
        with app.app_context():
            office = session().scalar(
                select(Organisation.id).where(Organisation.code == "LĐTBXH-TPLS")
            )
    response = api_client(app, role, office).post(
        f"/api/v1/campaigns/{campaign_id}/actions/{action}", json={}
    )
    body = response.get_json()
    problems = body.get("problems") or list(body.get("detail", {}).get("json", {}).values())
    text = "; ".join(p if isinstance(p, str) else p[0] for p in problems)
    return response.status_code, text or body.get("message", "")


def _ui_outcome(
    app: Any, accounts: Accounts, role: str, campaign_id: int, action: str
) -> tuple[int, str]:
    client, token = _ui(app, accounts, role)
    response = client.post(f"/campaigns/{campaign_id}/actions/{action}", data={"csrf_token": token})
    return response.status_code, _flashes(client) + html.unescape(response.get_data(as_text=True))


# A refusal the UI shows on the page it came from (303 and a flash) is the API's 409 or 422.
UI_STATUS = {303: {409, 422}, 403: {403}, 404: {404}}


@pytest.mark.parametrize("role", ["staff", "leader", "district"])
@pytest.mark.parametrize("action", ["archive", "rebuild_archive", "decide_team", "fly"])
def test_actions_are_allowed_and_refused_alike(
    app: Any, accounts: Accounts, campaign_id: int, role: str, action: str
) -> None:
    """Same permission, same refusal message: nothing here is at the stage it needs."""
    api_status, api_message = _api_outcome(app, role, campaign_id, action)
    ui_status, ui_page = _ui_outcome(app, accounts, role, campaign_id, action)
    assert api_status in UI_STATUS[ui_status], (api_status, ui_status)
    assert api_message in ui_page


def test_both_dispatchers_know_every_action_of_the_table(
    app: Any, accounts: Accounts, campaign_id: int
) -> None:
    for action in ACTIONS:
        for _status, said in (
            _api_outcome(app, "admin", campaign_id, action),
            _ui_outcome(app, accounts, "admin", campaign_id, action),
        ):
            assert "Thao tác không hợp lệ" not in said, action


def test_a_full_disk_is_a_clear_refusal_through_api_and_ui(
    app: Any, accounts: Accounts, campaign_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever write runs out of space, the answer says so (503) and nothing is half-written."""

    def no_space(*_args: Any, **_kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(commands.campaigns, "update", no_space)
    api = api_client(app, "staff").patch(f"/api/v1/campaigns/{campaign_id}", json={"year": 2024})
    assert api.status_code == 503 and api.get_json()["message"] == DISK_FULL
    ui, token = _ui(app, accounts, "staff")
    page = ui.post(f"/campaigns/{campaign_id}/report", data={"csrf_token": token})
    assert page.status_code == 503 and DISK_FULL in html.unescape(page.get_data(as_text=True))
