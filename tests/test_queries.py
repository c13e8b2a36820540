"""The reads in service/queries without Flask, and the API and the UI agreeing through them."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from service.auth import sees
from service.commands import documents
from service.commands.caller import Caller
from service.database import transaction
from service.demo import drive_campaign, example_statistics
from service.models import (
    Campaign,
    Dispatch,
    Document,
    Job,
    Organisation,
    Person,
    Signer,
    Target,
    TeamMember,
    Template,
    User,
    Visit,
)
from service.queries import directory, scoping
from service.queries.campaigns import campaigns_query, targets_query
from service.queries.documents import (
    current_documents,
    current_draft,
    document_work,
    documents_query,
    minutes_by_visit,
    newest_minutes,
    recent_jobs,
    template_versions,
    versions,
)
from service.queries.lifecycle import lifecycle_summary
from service.queries.schedule import schedule_conflicts
from service.queries.statistics import campaign_statistics, dashboard_series
from service.seed.load import load_demo
from tests.auth_helper import api_client
from tests.test_web_support import Accounts, accounts, campaign_id, sign_in
from workflows import indicators, statistics
from workflows.documents import FILING_ORDER
from workflows.text import vietnamese_key
from workflows.vocabulary import DocumentStatus, OrganisationKind, Role, VisitStatus

__all__ = ["accounts", "campaign_id"]  # fixtures used here

OWN_OFFICE = "LĐTBXH-TPLS"  # thành phố Lạng Sơn, the demo district account's office


@dataclass(frozen=True)
class World:
    """The demo campaign driven to its report (2023), and two more in 2022: one without the
    district user's office, one with it."""

    driven: int
    without_own: int
    with_own: int
    office: int


def _hold(db: Session, target: Target, values: dict[str, int]) -> None:
    start = datetime(2022, 9, 5, 8, 0)
    db.add(
        Visit(
            target_id=target.id,
            scheduled_start=start,
            scheduled_end=start.replace(hour=11),
            status=VisitStatus.HELD,
            statistics=values,
        )
    )


def _dispatch(db: Session, doc: Document) -> None:
    db.add(
        Dispatch(
            document_id=doc.id,
            campaign_id=doc.campaign_id,
            recipient_name="Người nhận",
            address=f"nhan.{doc.id}@example.org",
            message_id=f"<{doc.id}@test>",
        )
    )


def _world() -> World:
    with transaction() as db:
        driven = load_demo(db).id
    drive_campaign(driven)
    with transaction() as db:
        office = db.scalar(select(Organisation.id).where(Organisation.code == OWN_OFFICE))
        assert office is not None
        without_own = load_demo(db, new_campaign=True)
        with_own = load_demo(db, new_campaign=True)
        without_own.year = with_own.year = 2022
        without_own.targets[:] = [t for t in without_own.targets if t.office_id != office]
        db.flush()
        for i, target in enumerate(without_own.targets[:2]):
            _hold(db, target, example_statistics(i + 5))
        _hold(db, with_own.targets[0], example_statistics(9))
        for doc in db.scalars(select(Document).where(Document.kind == "TB")):
            _dispatch(db, doc)
        return World(driven, without_own.id, with_own.id, office)


@pytest.fixture
def world(db: Session) -> World:
    return _world()


def _users(office: int) -> dict[str, User]:
    """Unsaved accounts: the rules and the conditions only read role, office and activity."""
    return {
        "staff": User(username="s", role=Role.STAFF, active=True),
        "district": User(username="d", role=Role.DISTRICT, organisation_id=office, active=True),
        "nowhere": User(username="n", role=Role.DISTRICT, organisation_id=None, active=True),
        "inactive": User(username="i", role=Role.DISTRICT, organisation_id=office, active=False),
    }


CONDITIONS: list[tuple[type[Any], Any]] = [
    (Campaign, scoping.campaigns_seen),
    (Target, scoping.targets_seen),
    (Visit, scoping.visits_seen),
    (Document, scoping.documents_seen),
    (Dispatch, scoping.dispatches_seen),
]


def test_each_condition_selects_what_the_rules_accept(db: Session, world: World) -> None:
    for name, user in _users(world.office).items():
        for model, seen in CONDITIONS:
            condition: ColumnElement[bool] = seen(user)
            selected = db.scalars(select(model).where(condition).order_by(model.id)).all()
            every = db.scalars(select(model).order_by(model.id)).all()
            assert selected == [row for row in every if sees(user, row)], (name, model)
        jobs = db.scalars(select(Job).where(scoping.jobs_seen(user)).order_by(Job.id)).all()
        every_job = db.scalars(select(Job).order_by(Job.id)).all()
        expected = [
            j
            for j in every_job
            if user.role != Role.DISTRICT
            or (j.document_id is not None and sees(user, db.get(Document, j.document_id)))
        ]
        assert jobs == expected and (name != "district" or jobs), name


def test_a_district_user_sees_exactly_its_campaigns_targets_documents(
    db: Session, world: World
) -> None:
    users = _users(world.office)
    district, staff = users["district"], users["staff"]

    def visible_campaigns(db: Session, user: User) -> list[Campaign]:
        return list(db.scalars(campaigns_query(user)))

    assert [c.id for c in visible_campaigns(db, district)] == [world.driven, world.with_own]
    assert [c.id for c in visible_campaigns(db, staff)] == [
        world.driven,
        world.with_own,
        world.without_own,
    ]
    assert visible_campaigns(db, users["nowhere"]) == visible_campaigns(db, users["inactive"]) == []

    campaign = db.get(Campaign, world.driven)
    assert campaign is not None
    own = [t for t in campaign.targets if t.office_id == world.office]

    def visible_targets(db: Session, user: User, campaign: Campaign) -> list[Target]:
        return list(db.scalars(targets_query(user, campaign)))

    assert visible_targets(db, district, campaign) == own
    assert visible_targets(db, staff, campaign) == campaign.targets

    mine = current_documents(db, district, campaign)
    # The issued plan and decision (about every office), then its own notice and minutes.
    assert [d.kind for d in mine] == ["KH", "QD", "TB", "BB"]
    assert {d.target_id for d in mine} == {None, own[0].id}
    seen_jobs = recent_jobs(db, district, campaign, 1000)
    assert seen_jobs and all(j.document_id in {d.id for d in mine} for j in seen_jobs)
    assert [j.id for j in seen_jobs] == sorted((j.id for j in seen_jobs), reverse=True)
    everything = current_documents(db, staff, campaign)
    assert all(d.status != DocumentStatus.SUPERSEDED for d in everything)
    positions = {t.id: t.position for t in campaign.targets}
    order = [(FILING_ORDER.index(d.kind), positions.get(d.target_id or 0, -1)) for d in everything]
    assert order == sorted(order) and {d.kind for d in everything} == set(FILING_ORDER)
    listed = db.scalars(documents_query(district, campaign.id)).all()
    assert {d.id for d in listed} >= {d.id for d in mine} and all(sees(district, d) for d in listed)


def test_campaign_totals_are_the_sum_of_its_rows(db: Session, world: World) -> None:
    campaign = db.get(Campaign, world.driven)
    assert campaign is not None
    figures = campaign_statistics(db, campaign)
    assert [r.target for r in figures.rows] == campaign.targets  # every visit was held
    assert [r.name for r in figures.rows] == [
        t.office.district or t.office.name for t in campaign.targets
    ]
    assert [r.values for r in figures.rows] == [
        example_statistics(i) for i in range(len(campaign.targets))
    ]
    keys = [i.key for i in figures.indicators]
    assert keys == [i["key"] for i in campaign.indicators] and keys
    for key in keys:
        assert figures.totals[key] == sum(r.values[key] for r in figures.rows)
    report = db.scalar(
        select(Document).where(Document.campaign_id == campaign.id, Document.kind == "BC")
    )
    assert report is not None  # its context, frozen at issue, has the same figures
    assert [int(s["total"]) for s in report.context["statistics"]] == [
        figures.totals[key] for key in keys
    ]
    rows = report.context["district_rows"]
    capitalised = [r.name[:1].upper() + r.name[1:] for r in figures.rows]  # a table's first word
    assert [r["district"] for r in rows] == [*capitalised, "Tổng cộng"]
    assert rows[-1]["values"] == [str(figures.totals[key]) for key in keys]
    partial = db.get(Campaign, world.without_own)
    assert partial is not None
    assert len(campaign_statistics(db, partial).rows) == 2


def test_dashboard_series_by_district_and_year(db: Session, world: World) -> None:
    users = _users(world.office)
    series = dashboard_series(db, users["staff"])
    assert series.years == [2022, 2023]
    campaign = db.get(Campaign, world.driven)
    assert campaign is not None
    demo = indicators.parse(campaign.indicators)
    names = [t.office.district or t.office.name for t in campaign.targets]
    assert series.districts == names  # the 2022 visits are in the same offices, same order
    for i, name in enumerate(names):
        assert series.sums[(name, 2023)] == statistics.totals([example_statistics(i)], demo)
    for year in series.years:
        in_year = [v for (_, y), v in series.sums.items() if y == year]
        assert series.totals[year] == statistics.totals(in_year, demo)
    own = next(t for t in campaign.targets if t.office_id == world.office)
    mine = dashboard_series(db, users["district"])
    assert mine.districts == [own.office.district]
    assert mine.years == [2022, 2023]
    assert mine.sums == {
        (own.office.district, 2022): statistics.totals([example_statistics(9)], demo),
        (own.office.district, 2023): statistics.totals(
            [example_statistics(campaign.targets.index(own))], demo
        ),
    }
    assert dashboard_series(db, users["nowhere"]).years == []


def test_years_compare_only_on_the_indicators_they_share(db: Session, world: World) -> None:
    """2022 collected other figures than 2023: each year is summed on its own indicators, the
    dashboard offers them all, and a year has no value (not 0) for one it did not collect."""
    other = [
        {"key": "businesses", "label": "Số cơ sở (2022)", "short_label": "Cơ sở", "parent": None},
        {"key": "tre_em", "label": "Số trẻ em", "short_label": "Trẻ em", "parent": None},
    ]
    for older_id in (world.without_own, world.with_own):
        older = db.get(Campaign, older_id)
        assert older is not None
        older.indicators = other
    campaign = db.get(Campaign, world.driven)
    assert campaign is not None
    demo = [i["key"] for i in campaign.indicators]
    series = dashboard_series(db, _users(world.office)["staff"])
    assert series.keys == {2022: ("businesses", "tre_em"), 2023: tuple(demo)}
    assert [i.key for i in series.indicators] == [*demo, "tre_em"]
    assert series.indicators[0].label == campaign.indicators[0]["label"]  # the newest year's
    first = db.get(Campaign, world.without_own)
    assert first is not None
    target = first.targets[0]  # held in 2022, its office the demo's second target
    name = target.office.district or target.office.name
    assert series.sums[(name, 2022)] == {
        "businesses": example_statistics(5)["businesses"],
        "tre_em": 0,
    }
    assert series.value(name, 2022, "workers") is None
    assert series.value(None, 2022, "workers") is None
    assert series.value(name, 2023, "tre_em") is None
    index = next(i for i, t in enumerate(campaign.targets) if t.office_id == target.office_id)
    assert series.value(name, 2023, "workers") == example_statistics(index)["workers"]


def test_lifecycle_summary(db: Session, world: World) -> None:
    campaign = db.get(Campaign, world.driven)
    assert campaign is not None
    summary = lifecycle_summary(db, campaign)
    assert summary.stage == campaign.stage == "report_issued"
    assert [(s.action, s.allowed, s.missing, s.automatic) for s in summary.next_steps] == [
        ("archive", True, [], False)
    ]
    assert [e.to_stage for e in summary.events][-1] == "report_issued"
    fresh = db.get(Campaign, world.with_own)
    assert fresh is not None
    steps = lifecycle_summary(db, fresh).next_steps
    assert [(s.action, s.document_kind) for s in steps] == [("issue_plan", "KH")]


def _campaign(db: Session, campaign_id: int) -> Campaign:
    campaign = db.get(Campaign, campaign_id)
    assert campaign is not None
    return campaign


def _by_name(names: list[str]) -> bool:
    return names == sorted(names, key=vietnamese_key)


def test_the_directory_as_the_forms_offer_it(db: Session, world: World) -> None:
    every = db.scalars(select(Organisation).order_by(Organisation.id)).all()
    for kind in OrganisationKind:
        assert directory.organisations(db, kind) == [o for o in every if o.kind == kind]
    offices = directory.district_offices(db)
    assert {o.kind for o in offices} == {OrganisationKind.DISTRICT_OFFICE} and len(offices) > 1
    assert _by_name([o.district or o.name for o in offices])
    assert directory.district_offices(db, excluding={world.office}) == [
        o for o in offices if o.id != world.office
    ]
    grouped = directory.communes_by_district(db)
    communes = [c for c in every if c.kind == OrganisationKind.COMMUNE_COMMITTEE]
    assert sorted(c.id for rows in grouped.values() for c in rows) == [c.id for c in communes]
    for district, rows in grouped.items():
        assert {c.district for c in rows} == {district} and _by_name([c.name for c in rows])

    campaign = _campaign(db, world.driven)
    outside = directory.people_outside(db, campaign)
    team = {m.person_id for m in campaign.members}
    assert team and not team & {p.id for p in outside} and _by_name([p.full_name for p in outside])
    assert {p.id for p in outside} | team == set(db.scalars(select(Person.id)))
    signers = directory.signers(db)  # one a demo campaign, in the order they were entered
    assert [s.id for s in signers] == sorted(db.scalars(select(Signer.id))) and len(signers) == 3
    assert signers[0] == campaign.signer
    label = "Nguyễn Văn Giang (KT. GIÁM ĐỐC - PHÓ GIÁM ĐỐC)"
    assert directory.signer_choices(db) == [(s.id, label) for s in signers]


def test_accounts_by_the_name_they_are_shown_under(db: Session) -> None:
    for username, full_name in (("vy", "Vũ Thị Vy"), ("an", ""), ("dung", "Đặng Dũng")):
        db.add(User(username=username, full_name=full_name, password_hash="-", role=Role.STAFF))
    db.flush()
    assert [u.username for u in directory.users(db)] == ["an", "dung", "vy"]
    assert directory.display_names(db) == {"vy": "Vũ Thị Vy", "an": "an", "dung": "Đặng Dũng"}


def test_versions_drafts_and_minutes(db: Session, world: World) -> None:
    campaign = _campaign(db, world.driven)
    plan = db.scalar(
        select(Document).where(Document.campaign_id == campaign.id, Document.kind == "KH")
    )
    assert plan is not None and plan.status == DocumentStatus.ISSUED
    assert versions(db, plan) == [plan] and current_draft(db, campaign, "KH") is None
    with transaction() as tx:
        draft_id = documents.redraft(tx, Caller.system(), plan.id).id
    draft = db.get(Document, draft_id)
    assert draft is not None and draft.version == plan.version + 1
    assert versions(db, plan) == versions(db, draft) == [draft, plan]
    assert current_draft(db, campaign, "KH") == draft

    visits = [t.visit for t in campaign.targets]
    minutes = minutes_by_visit(db, campaign, [v for v in visits if v is not None])
    assert set(minutes) == {v.id for v in visits if v is not None}
    for visit in visits:
        assert visit is not None and minutes[visit.id].kind == "BB"
        assert newest_minutes(db, visit) == minutes[visit.id]
        assert minutes[visit.id].status == DocumentStatus.ISSUED


def test_the_work_about_a_document(db: Session, world: World) -> None:
    notices = db.scalars(select(Document).where(Document.kind == "TB")).all()
    assert notices
    for doc in notices:
        jobs, sent = document_work(db, doc)
        assert jobs == list(db.scalars(select(Job).where(Job.document_id == doc.id)))
        assert [j.id for j in jobs] == sorted(j.id for j in jobs)
        assert [d.address for d in sent] == [f"nhan.{doc.id}@example.org"]
    for kind, version in (("QD", 1), ("KH", 2), ("KH", 1)):
        db.add(Template(kind=kind, version=version, content=b"docx", sha256="0" * 64))
    db.flush()
    assert [(t.kind, t.version) for t in template_versions(db)] == [
        ("KH", 1),
        ("KH", 2),
        ("QD", 1),
    ]


def test_schedule_conflicts(db: Session, world: World) -> None:
    assert schedule_conflicts(db, _campaign(db, world.driven)) == {}  # 08:00 and 14:00 a day
    both = _campaign(db, world.without_own)  # two visits at once
    first, second = both.targets[:2]
    found = schedule_conflicts(db, both)
    assert set(found) == {first.id, second.id}
    when = "08 giờ 00 - 11 giờ 00 ngày 05/09/2022"
    assert found[first.id] == [
        f"Trùng thời gian với lịch kiểm tra tại {second.office.name} ({when})"
    ]
    elsewhere = _campaign(db, world.with_own)  # at the same time, with a member lent to `both`
    lent = elsewhere.members[-1]
    db.add(TeamMember(campaign_id=both.id, person_id=lent.person_id, role=lent.role))
    db.flush()
    db.expire(both)
    booked = schedule_conflicts(db, both)[second.id]
    assert booked[1:] == [
        f"{lent.person.full_name} đã có lịch kiểm tra tại {elsewhere.targets[0].office.name} "
        f"({when}, {elsewhere.title})"
    ]


# --- the API and the UI, through the same reads ---------------------------------------------


def _ui(app: Flask, accounts: Accounts, role: str) -> FlaskClient:
    browser = app.test_client()
    assert sign_in(browser, *accounts[role]).status_code == 303
    return browser


def _listed(page: str) -> list[int]:
    table = page.partition("data-campaigns")[2].partition("</table>")[0]
    return [int(i) for i in re.findall(r'href="/campaigns/(\d+)"', table)]


def _json(client: FlaskClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_api_and_the_ui_list_the_same_campaigns(
    app: Flask, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context():
        world = _world()
    district_api = api_client(app, Role.DISTRICT, world.office)
    listed = _json(district_api, "/api/v1/campaigns?per_page=100")["items"]
    assert [c["id"] for c in listed] == [world.driven, world.with_own]
    ui = _ui(app, accounts, Role.DISTRICT)
    assert _listed(ui.get("/").get_data(as_text=True)) == [world.driven, world.with_own]

    staff_api = api_client(app, Role.STAFF)
    everything = [c["id"] for c in _json(staff_api, "/api/v1/campaigns?per_page=100")["items"]]
    staff = _ui(app, accounts, Role.STAFF)
    page = staff.get("/").get_data(as_text=True)
    assert _listed(page) == everything
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    refused = staff.post("/campaigns", data={"csrf_token": token.group(1), "title": ""})
    assert refused.status_code == 422
    assert _listed(refused.get_data(as_text=True)) == everything


def _ui_lifecycle(page: str) -> dict[str, Any]:
    stage = re.search(r"data-stage>([^<]*)<", page)
    assert stage is not None
    steps = {
        action: [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", body)]
        for action, body in re.findall(
            r'<article class="step [a-z]+" data-step="(\w+)">(.*?)</article>', page, re.S
        )
    }
    log = page.split('id="h-log"', 1)[1] if 'id="h-log"' in page else ""
    return {
        "stage_label": html.unescape(stage.group(1)),
        "steps": steps,
        "events": log.count("<tr><td>"),
    }


def _api_lifecycle(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "stage_label": answer["stage_label"],
        "steps": {s["action"]: s["missing"] for s in answer["next_steps"]},
        "events": len(answer["events"]),
    }


def test_the_api_and_the_ui_give_the_same_lifecycle(
    app: Flask, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    path = f"/api/v1/campaigns/{campaign_id}"
    issued = client.post(f"{path}/actions/issue_plan", json={"issue_date": "2023-04-05"})
    assert issued.status_code == 200, issued.json
    staff_api = api_client(app, Role.STAFF)
    answer = _json(staff_api, f"{path}/lifecycle")
    assert answer == issued.json  # the action answers with the same summary
    assert any(s["missing"] for s in answer["next_steps"])  # visits are still to schedule
    page = _ui(app, accounts, Role.STAFF).get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert _ui_lifecycle(page) == _api_lifecycle(answer)
