"""Bulk steps are jobs (issue 14): announcing the schedule answers 202 at once, and a job issues
every notice batch by batch, each batch its own transaction, progress shown by the API and UI."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from service import runner
from service.commands import actions, documents, issuing, visits
from service.database import transaction
from service.demo import NOTICE_DAY, PLAN_DAY, TEAM_DAY, visit_start
from service.errors import Conflict
from service.models import Campaign, Document, Job, Target
from service.seed.synthetic import synthetic_campaign
from service.timeutil import utcnow
from tests.auth_helper import SYSTEM, api_client
from tests.jobs_helper import run_due_jobs
from tests.test_web import flashes, signed_in, text
from tests.test_web_support import Accounts, accounts, campaign_id
from workers.kinds import KINDS
from workflows.vocabulary import JobKind, JobState

__all__ = ["accounts", "campaign_id"]  # fixtures used here

TARGETS = 45  # three batches of at most twenty


def _scheduled(campaign_id: int) -> list[tuple[int, str, int]]:
    """Plan and team decision issued, every visit scheduled: ready to announce. Returns each
    target as (id, its office's name, its office's id)."""
    with transaction() as db:
        actions.perform(db, SYSTEM, campaign_id, "issue_plan", actions.Step(PLAN_DAY))
        actions.perform(db, SYSTEM, campaign_id, "decide_team", actions.Step(TEAM_DAY))
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for i, target in enumerate(campaign.targets):
            start = visit_start(i)
            end = start + timedelta(hours=3)
            visits.schedule(db, SYSTEM, campaign_id, target.id, start, end, "Trụ sở")
        return [(t.id, t.office.name, t.office_id) for t in campaign.targets]


@pytest.fixture
def large(app: Flask) -> int:
    """A synthetic campaign of TARGETS targets, ready to announce."""
    with app.app_context():
        with transaction() as db:
            campaign_id = synthetic_campaign(db, TARGETS).id
        _scheduled(campaign_id)
    return campaign_id


def _announce(api: FlaskClient, campaign_id: int) -> str:
    """The step through the API: 202 at once, the stage reached, no notice issued yet; the
    progress address."""
    response = api.post(
        f"/api/v1/campaigns/{campaign_id}/actions/schedule_visits",
        json={"issue_date": NOTICE_DAY.isoformat()},
    )
    assert response.status_code == 202, response.json
    assert response.json["stage"] == "visits_scheduled"
    assert _notices(campaign_id) == []
    return str(response.headers["Location"])


def _notices(campaign_id: int) -> list[Document]:
    with transaction() as db:
        stmt = select(Document).where(Document.campaign_id == campaign_id, Document.kind == "TB")
        return list(db.scalars(stmt))


def _issue_job(campaign_id: int) -> Job:
    with transaction() as db:
        job = db.scalar(select(Job).where(Job.campaign_id == campaign_id, Job.kind == "issue"))
        assert job is not None
        return job


def _each_target_has_one_notice(campaign_id: int) -> None:
    """Exactly one notice per target, issued once; the register's numbers without a gap."""
    with transaction() as db:
        targets = set(db.scalars(select(Target.id).where(Target.campaign_id == campaign_id)))
        docs = db.scalars(select(Document).where(Document.campaign_id == campaign_id)).all()
    notices = [d for d in docs if d.kind == "TB"]
    assert all(d.status == "issued" and d.issue_date == NOTICE_DAY for d in notices)
    assert Counter(d.target_id for d in notices) == Counter(targets)
    numbers = sorted(d.number for d in docs if d.number is not None)
    assert numbers == list(range(1, len(numbers) + 1))


def test_announcing_answers_at_once_and_a_job_issues_every_notice(app: Flask, large: int) -> None:
    api = api_client(app, "leader")
    location = _announce(api, large)
    progress = api.get(location).json["issuing"]
    assert progress == {
        "kind": "TB",
        "done": 0,
        "total": TARGETS,
        "state": "queued",
        "busy": True,
        "error": "",
    }
    with app.app_context():
        assert run_due_jobs(kind=JobKind.ISSUE) == [runner.Outcome.DONE]
    progress = api.get(location).json["issuing"]
    assert (progress["done"], progress["state"], progress["busy"]) == (TARGETS, "done", False)
    _each_target_has_one_notice(large)
    issuers = {d.issued_by for d in _notices(large)}
    assert len(issuers) == 1 and issuers.pop().startswith("api-leader-")  # who asked, not a worker


def test_a_job_killed_mid_way_issues_nothing_twice(
    app: Flask, large: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = api_client(app)
    location = _announce(api, large)

    class Killed(BaseException):
        """The worker dies in the middle of a batch."""

    real = documents.draft_and_issue
    calls = Counter[str]()

    def dying(*args: Any, **kwargs: Any) -> Document:
        calls["issue"] += 1
        if calls["issue"] > 25:  # more than a batch: the first one is committed
            raise Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(documents, "draft_and_issue", dying)
    job_id = _issue_job(large).id
    with app.app_context(), pytest.raises(Killed):
        runner.execute(job_id, KINDS, 300)
    done = len(_notices(large))
    assert 0 < done <= 25  # whole batches only: the one cut short (at the 26th) left nothing
    progress = api.get(location).json["issuing"]
    assert (progress["done"], progress["state"]) == (done, "running")

    monkeypatch.setattr(documents, "draft_and_issue", real)
    with transaction() as db:  # its lease runs out: the job is taken again
        db.execute(update(Job).where(Job.id == job_id).values(lease_until=utcnow()))
    with app.app_context():
        assert runner.execute(job_id, KINDS, 300) == runner.Outcome.DONE
    _each_target_has_one_notice(large)
    assert api.get(location).json["issuing"]["done"] == TARGETS


def _refusing(office_id: int) -> Callable[..., Document]:
    """draft_and_issue, refusing the notice of the target of one office."""
    real = documents.draft_and_issue

    def refuse(db: Any, caller: Any, campaign: Any, kind: str, day: Any, target_id: int) -> Any:
        target = db.get(Target, target_id)
        if target.office_id == office_id:
            raise Conflict(["Đơn vị chưa có địa chỉ nhận văn bản"])
        return real(db, caller, campaign, kind, day, target_id)

    return refuse


def test_a_refused_notice_is_retried_and_the_others_go_out(
    app: Flask, campaign_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        refused_id, office, office_id = _scheduled(campaign_id)[3]
    api = api_client(app)
    location = _announce(api, campaign_id)
    monkeypatch.setattr(documents, "draft_and_issue", _refusing(office_id))
    with app.app_context():
        assert run_due_jobs(kind=JobKind.ISSUE) == [runner.Outcome.RETRY]
    assert refused_id not in {d.target_id for d in _notices(campaign_id)}
    progress = api.get(location).json["issuing"]
    assert (progress["done"], progress["total"], progress["state"]) == (10, 11, "queued")
    assert f"{office}: Đơn vị chưa có địa chỉ nhận văn bản" in progress["error"]

    monkeypatch.undo()  # the address is filled in; the next attempt issues the last notice
    with transaction() as db:
        db.execute(update(Job).where(Job.kind == "issue").values(run_after=utcnow()))
    with app.app_context():
        assert run_due_jobs(kind=JobKind.ISSUE) == [runner.Outcome.DONE]
    _each_target_has_one_notice(campaign_id)


def test_giving_up_says_why_on_the_campaign_page(
    app: Flask,
    client: FlaskClient,
    accounts: Accounts,
    campaign_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with app.app_context():
        _, _, refused_office = _scheduled(campaign_id)[0]
    token = signed_in(client, accounts, "leader")
    answer = client.post(
        f"/campaigns/{campaign_id}/actions/schedule_visits",
        data={"csrf_token": token, "issue_date": NOTICE_DAY.isoformat()},
    )
    assert answer.status_code == 303
    page = flashes(client)
    assert "Đang ban hành thông báo lịch kiểm tra cho từng đơn vị" in page
    page = text(client.get(f"/campaigns/{campaign_id}"))
    assert "Đang ban hành thông báo lịch kiểm tra: 0/11" in page
    live = client.get(f"/campaigns/{campaign_id}/progress.json").json["issuing"]
    assert (live["busy"], live["label"]) == (True, "Đang ban hành thông báo lịch kiểm tra: 0/11")

    monkeypatch.setattr(documents, "draft_and_issue", _refusing(refused_office))
    with transaction() as db:  # its last attempt
        db.execute(update(Job).where(Job.kind == "issue").values(attempts=Job.max_attempts - 1))
    with app.app_context():
        assert run_due_jobs(kind=JobKind.ISSUE) == [runner.Outcome.FAILED]
    assert _issue_job(campaign_id).state == JobState.FAILED
    live = client.get(f"/campaigns/{campaign_id}/progress.json").json["issuing"]
    assert live["label"] == "Chưa ban hành hết thông báo lịch kiểm tra: 10/11"
    assert live["error"].startswith(
        "Đã dừng sau 10 lần thử: còn 1/11 đơn vị chưa có thông báo lịch kiểm tra."
    )
    assert "Đơn vị chưa có địa chỉ nhận văn bản" in live["error"]
    page = text(client.get(f"/campaigns/{campaign_id}"))
    assert "Chưa ban hành hết thông báo lịch kiểm tra: 10/11" in page
    assert "Đã dừng sau 10 lần thử" in page
    issuers = {d.issued_by for d in _notices(campaign_id)}
    assert issuers == {accounts["leader"][0]}


def test_a_district_user_sees_the_progress_of_its_own_office(app: Flask, campaign_id: int) -> None:
    with app.app_context():
        _scheduled(campaign_id)
        with transaction() as db:
            campaign = db.get(Campaign, campaign_id)
            assert campaign is not None
            office_id = campaign.targets[0].office_id
    location = _announce(api_client(app), campaign_id)
    district = api_client(app, "district", office_id)
    assert district.get(location).json["issuing"]["total"] == 1
    with app.app_context():
        issuing.complete(campaign_id)  # here, as the demo does; the job then finds nothing left
        assert run_due_jobs(kind=JobKind.ISSUE) == [runner.Outcome.DONE]
    seen = district.get(location).json["issuing"]
    assert (seen["done"], seen["total"], seen["state"]) == (1, 1, "done")
    _each_target_has_one_notice(campaign_id)


def test_no_step_is_taken_while_notices_are_being_issued(app: Flask, large: int) -> None:
    """What follows builds on every notice: the next step waits until the last is issued."""
    api = api_client(app, "leader")
    _announce(api, large)
    refused = api.post(f"/api/v1/campaigns/{large}/actions/complete_visits")
    assert refused.status_code == 409
    assert refused.json["problems"] == [
        f"Còn {TARGETS} thông báo lịch kiểm tra đang được ban hành; hãy làm bước tiếp theo khi"
        " ban hành xong"
    ]
    with app.app_context():
        assert run_due_jobs(kind=JobKind.ISSUE) == [runner.Outcome.DONE]
    after = api.post(f"/api/v1/campaigns/{large}/actions/complete_visits")  # the visits' turn
    assert not any("đang được ban hành" in p for p in after.json.get("problems", []))
