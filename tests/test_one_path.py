"""The API and the staff UI run the same commands: the same case gives the same outcome.

Each test drives one use case through both entry points, where they once drifted apart: the
issuing clock, the commune-in-district rule, the action table's permissions and actions.
"""

from __future__ import annotations

import errno
import html
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select

from service import commands
from service.app import create_app
from service.commands import caller as caller_module
from service.commands.actions import ACTIONS
from service.config import Config
from service.database import session, transaction
from service.errors import DISK_FULL
from service.models import Document, Organisation
from service.seed.load import load_demo
from tests.auth_helper import api_client
from tests.jobs_helper import run_due_jobs
from tests.test_bulk_issue import _scheduled
from tests.test_web_support import Accounts, accounts, csrf_token, sign_in
from workflows.vocabulary import JobKind

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


class _Noon(datetime):
    """The commands' clock stopped at noon UTC today: in Etc/GMT-14 it is already tomorrow, in
    Asia/Ho_Chi_Minh still today, so a job that dates or checks on another zone than the asker's
    cannot pass by the hour the suite happens to run."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
        return noon.astimezone(tz) if tz is not None else noon.replace(tzinfo=None)


def test_notices_are_dated_on_the_configured_clock_through_api_and_ui(
    app: Any, accounts: Accounts, campaign_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Announcing the schedule issues the notices in a worker job, on the asker's clock: dated
    today in the configured zone, whichever entry point asked, whatever the worker's own zone."""
    monkeypatch.setattr(caller_module, "datetime", _Noon)
    zone = app.config["VANTHU"].timezone
    with app.app_context():
        with transaction() as db:
            other_id = load_demo(db, new_campaign=True).id
        for campaign in (campaign_id, other_id):
            _scheduled(campaign)
    today = _Noon.now(ZoneInfo(zone)).date()
    api = api_client(app, "leader")
    answer = api.post(f"/api/v1/campaigns/{campaign_id}/actions/schedule_visits", json={})
    assert answer.status_code == 202, answer.get_json()
    ui, token = _ui(app, accounts, "leader")
    response = ui.post(f"/campaigns/{other_id}/actions/schedule_visits", data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        assert set(run_due_jobs(kind=JobKind.ISSUE)) == {"done"}
    with app.app_context():
        notices = session().scalars(select(Document).where(Document.kind == "TB")).all()
        dates: dict[int, set[Any]] = {campaign_id: set(), other_id: set()}
        for notice in notices:
            assert notice.status == "issued", notice.id
            dates[notice.campaign_id].add(notice.issue_date)
    assert dates == {campaign_id: {today}, other_id: {today}}


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


@pytest.mark.parametrize("role", ["staff", "leader", "clerk", "district"])
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


def _database_full(app: Any, database_url: str) -> None:
    """From now on the database itself refuses to grow, as on a full disk: SQLite capped at the
    pages it has (it answers SQLITE_FULL, "database or disk is full"); PostgreSQL answering
    SQLSTATE 53100 (disk_full) to a change of a campaign, as when it cannot extend a file."""
    with app.app_context():
        engine = session().get_bind()
    engine.dispose()
    if database_url.startswith("sqlite"):
        with closing(sqlite3.connect(str(engine.url.database))) as own:
            own.execute("VACUUM")  # no free page left to grow into

        @event.listens_for(engine, "connect")
        def capped(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count={pages}")
            cursor.close()

        return
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'could not extend file: No space left on device' "
            "USING ERRCODE = 'disk_full'; END $$"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER full_disk BEFORE UPDATE ON campaigns "
            "FOR EACH ROW EXECUTE FUNCTION full_disk()"
        )


def test_the_database_s_own_full_disk_is_a_clear_refusal_through_api_and_ui(
    app: Any, accounts: Accounts, campaign_id: int, database_url: str
) -> None:
    """The database running out of space is the same clear 503 as a full disk elsewhere, not
    "database unavailable", and nothing is half-written."""
    api = api_client(app, "staff")
    ui, token = _ui(app, accounts, "staff")
    before = api.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    _database_full(app, database_url)
    long_text = " ".join(f"đoạn {i}" for i in range(1500))  # pages of its own
    answer = api.patch(f"/api/v1/campaigns/{campaign_id}", json={"method": long_text})
    assert answer.status_code == 503 and answer.get_json()["message"] == DISK_FULL
    form = {"csrf_token": token, "report-results": long_text, "report-causes": long_text}
    page = ui.post(f"/campaigns/{campaign_id}/report", data=form)
    assert page.status_code == 503 and DISK_FULL in html.unescape(page.get_data(as_text=True))
    after = api.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    assert (after["version"], after["method"]) == (before["version"], before["method"])
    assert after["report_sections"] == before["report_sections"]
