"""Campaigns and every lifecycle step: plan, targets, team, schedule, visits, transitions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.api import api
from service.api.access import actor, current_user, permitted, require
from service.api.paging import paginate
from service.api.schemas import (
    ActionIn,
    CampaignFields,
    CampaignIn,
    CampaignOut,
    CampaignPage,
    DocumentIn,
    DocumentOut,
    DocumentPage,
    DocumentQuery,
    LifecycleOut,
    MemberIn,
    MemberOut,
    PageQuery,
    TargetIn,
    TargetOut,
    VisitOut,
    VisitResultIn,
    VisitScheduleIn,
    VisitSkipIn,
)
from service.auth.scopes import campaigns_seen, documents_seen
from service.commands import campaigns as commands
from service.commands import documents, visits
from service.commands import lifecycle as lifecycle_commands
from service.commands.facts import campaign_facts
from service.database import session, transaction
from service.models import Campaign, Document, LifecycleEvent, Target, TeamMember, Visit
from workflows import lifecycle

# Lifecycle steps that issue documents (the plan, the team decision, the notices, the report)
# are signing; the others change the campaign.
ACTION_PERMISSION = {
    **{action: "document.issue" for action in documents.ISSUING_ACTION.values()},
    "schedule_visits": "document.issue",
}


@api.get("/campaigns")
@api.input(PageQuery, location="query", arg_name="query")
@api.output(CampaignPage)
def list_campaigns(query: dict[str, Any]) -> dict[str, Any]:
    require("campaign.view")
    stmt = (
        select(Campaign)
        .where(campaigns_seen(current_user()))
        .order_by(Campaign.year.desc(), Campaign.id.desc())
    )
    return paginate(stmt, query["page"], query["per_page"])


@api.post("/campaigns")
@api.input(CampaignIn, arg_name="data")
@api.output(CampaignOut, status_code=201)
def create_campaign(data: dict[str, Any]) -> Campaign:
    require("campaign.create")
    with transaction() as db:
        return commands.create(db, data)


@api.get("/campaigns/<int:campaign_id>")
@api.output(CampaignOut)
def get_campaign(campaign_id: int) -> Campaign:
    return permitted("campaign.view", commands.get_campaign(session(), campaign_id))


@api.patch("/campaigns/<int:campaign_id>")
@api.input(CampaignFields, arg_name="data")
@api.output(CampaignOut)
def update_campaign(campaign_id: int, data: dict[str, Any]) -> Campaign:
    with transaction() as db:
        campaign = permitted("campaign.edit", commands.get_campaign(db, campaign_id))
        return commands.update(db, campaign, data)


@api.post("/campaigns/<int:campaign_id>/targets")
@api.input(TargetIn, arg_name="data")
@api.output(TargetOut, status_code=201)
def add_target(campaign_id: int, data: dict[str, Any]) -> Target:
    with transaction() as db:
        campaign = permitted("campaign.edit", commands.get_campaign(db, campaign_id))
        return commands.add_target(db, campaign, data["office_id"], data.get("commune_id"))


@api.post("/campaigns/<int:campaign_id>/members")
@api.input(MemberIn, arg_name="data")
@api.output(MemberOut, status_code=201)
def add_member(campaign_id: int, data: dict[str, Any]) -> TeamMember:
    with transaction() as db:
        campaign = permitted("campaign.edit", commands.get_campaign(db, campaign_id))
        return commands.add_member(db, campaign, data["person_id"], data["role"])


@api.get("/campaigns/<int:campaign_id>/lifecycle")
@api.output(LifecycleOut)
def get_lifecycle(campaign_id: int) -> dict[str, Any]:
    return lifecycle_view(campaign_id)


def lifecycle_view(campaign_id: int) -> dict[str, Any]:
    """Where the campaign stands, what each next step still needs, and its history."""
    db = session()
    campaign = permitted("campaign.view", commands.get_campaign(db, campaign_id))
    facts = campaign_facts(db, campaign)
    events = db.scalars(
        select(LifecycleEvent)
        .where(LifecycleEvent.campaign_id == campaign_id)
        .order_by(LifecycleEvent.id)
    ).all()
    return {
        "stage": facts.stage.value,
        "stage_label": lifecycle.STAGE_LABELS[facts.stage],
        "next_steps": [
            {
                "action": t.action,
                "label": t.label,
                "target": t.target.value,
                "allowed": not missing,
                "missing": missing,
            }
            for t, missing in lifecycle.next_steps(facts)
        ],
        "events": events,
    }


@api.post("/campaigns/<int:campaign_id>/actions/<action>")
@api.input(ActionIn, arg_name="data")
@api.output(LifecycleOut)
def run_action(campaign_id: int, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """Lifecycle steps without their own endpoint; document-issuing steps issue their document."""
    with transaction() as db:
        campaign = permitted(
            ACTION_PERMISSION.get(action, "campaign.edit"), commands.get_campaign(db, campaign_id)
        )
        if action == "schedule_visits":
            visits.announce(db, campaign, actor(), data.get("issue_date"))
        elif action in documents.ISSUING_ACTION.values():
            kind = next(k for k, a in documents.ISSUING_ACTION.items() if a == action)
            doc = documents.draft(db, campaign, kind, actor())
            documents.issue(db, doc, actor(), data.get("issue_date"))
        else:
            lifecycle_commands.apply(db, campaign, action, actor(), data["reason"])
    return lifecycle_view(campaign_id)


@api.post("/campaigns/<int:campaign_id>/visits")
@api.input(VisitScheduleIn, arg_name="data")
@api.output(VisitOut, status_code=201)
def schedule_visit(campaign_id: int, data: dict[str, Any]) -> Visit:
    with transaction() as db:
        campaign = permitted("visit.schedule", commands.get_campaign(db, campaign_id))
        return visits.schedule(
            db,
            campaign,
            data["target_id"],
            data["start"],
            data["end"],
            data["place"],
            actor(),
            data.get("issue_date"),
        )


@api.get("/visits/<int:visit_id>")
@api.output(VisitOut)
def get_visit(visit_id: int) -> Visit:
    return permitted("visit.view", visits.get_visit(session(), visit_id))


@api.post("/visits/<int:visit_id>/result")
@api.input(VisitResultIn, arg_name="data")
@api.output(VisitOut)
def record_visit(visit_id: int, data: dict[str, Any]) -> Visit:
    with transaction() as db:
        visit = permitted("visit.record", visits.get_visit(db, visit_id))
        return visits.record(db, visit.target.campaign, visit, data, actor())


@api.post("/visits/<int:visit_id>/skip")
@api.input(VisitSkipIn, arg_name="data")
@api.output(VisitOut)
def skip_visit(visit_id: int, data: dict[str, Any]) -> Visit:
    with transaction() as db:
        visit = permitted("visit.record", visits.get_visit(db, visit_id))
        return visits.cancel(db, visit.target.campaign, visit, data["reason"], actor())


@api.get("/campaigns/<int:campaign_id>/documents")
@api.input(DocumentQuery, location="query", arg_name="query")
@api.output(DocumentPage)
def list_documents(campaign_id: int, query: dict[str, Any]) -> dict[str, Any]:
    permitted("document.view", commands.get_campaign(session(), campaign_id))
    stmt = (
        select(Document)
        .where(Document.campaign_id == campaign_id, documents_seen(current_user()))
        .order_by(Document.id)
    )
    for name in ("kind", "status"):
        if query.get(name):
            stmt = stmt.where(getattr(Document, name) == query[name])
    return paginate(stmt, query["page"], query["per_page"])


@api.post("/campaigns/<int:campaign_id>/documents")
@api.input(DocumentIn, arg_name="data")
@api.output(DocumentOut, status_code=201)
def draft_document(campaign_id: int, data: dict[str, Any]) -> Document:
    with transaction() as db:
        campaign = permitted("document.draft", commands.get_campaign(db, campaign_id))
        return documents.draft(
            db, campaign, data["kind"], actor(), data.get("target_id"), data.get("visit_id")
        )
