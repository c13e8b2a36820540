"""Campaigns and every lifecycle step: plan, targets, team, schedule, visits, transitions."""

from __future__ import annotations

from typing import Any

from flask import url_for

from service.api import api
from service.api.access import as_caller, current_user, permitted, require
from service.api.etags import tagged
from service.api.paging import paginate
from service.api.schemas import (
    ActionIn,
    CampaignExport,
    CampaignFields,
    CampaignIn,
    CampaignOut,
    CampaignPage,
    DocumentIn,
    DocumentOut,
    DocumentPage,
    DocumentQuery,
    ETagHeader,
    IfMatch,
    LifecycleOut,
    MemberFields,
    MemberIn,
    MemberOut,
    PageQuery,
    PresetOut,
    ProgressOut,
    TargetFields,
    TargetIn,
    TargetOut,
    TargetPage,
    TargetQuery,
    VisitOut,
    VisitResultIn,
    VisitScheduleIn,
    VisitSkipIn,
)
from service.commands import actions, documents, exchange, visits
from service.commands import campaigns as commands
from service.database import session
from service.models import Campaign, Document, Target, TeamMember, Visit
from service.queries.campaigns import campaigns_query, targets_query
from service.queries.documents import documents_query
from service.queries.issuing import issuing
from service.queries.lifecycle import LifecycleSummary
from service.queries.representations import campaign_seen, lifecycle_seen
from workflows import presets


@api.get("/campaigns")
@api.input(PageQuery, location="query", arg_name="query")
@api.output(CampaignPage)
def list_campaigns(query: dict[str, Any]) -> dict[str, Any]:
    require("campaign.view")
    return paginate(campaigns_query(current_user()), query["page"], query["per_page"])


@api.post("/campaigns")
@api.input(CampaignIn, arg_name="data")
@api.output(CampaignOut, status_code=201)
def create_campaign(data: dict[str, Any]) -> dict[str, Any]:
    return _seen(as_caller(commands.create, data))


@api.get("/presets")
@api.output(PresetOut(many=True))
def list_presets() -> list[presets.Preset]:
    """The programmes a new campaign may start from (files in `workflows/presets/`)."""
    require("campaign.create")
    return presets.list_presets()


@api.get("/campaigns/<int:campaign_id>/export")
@api.output(CampaignExport)
def export_campaign(campaign_id: int) -> dict[str, Any]:
    """The campaign as one JSON document, which `POST /campaigns/import` reads."""
    return as_caller(exchange.export, campaign_id)


@api.post("/campaigns/import")
@api.input(CampaignExport, arg_name="data", validation=False)
@api.output(CampaignOut, status_code=201)
def import_campaign(data: Any) -> dict[str, Any]:
    """A new draft campaign from an exported document; 422 naming each wrong field, and
    nothing written, when any part is wrong (the command checks the whole document)."""
    return _seen(as_caller(exchange.import_, data))


@api.get("/campaigns/<int:campaign_id>")
@api.output(CampaignOut, headers=ETagHeader)
def get_campaign(campaign_id: int) -> dict[str, Any]:
    """The campaign and its team; its targets, which may be hundreds, are paged apart."""
    campaign = permitted("campaign.view", commands.get_campaign(session(), campaign_id))
    return tagged(campaign.version, _seen(campaign))


def _seen(campaign: Campaign) -> dict[str, Any]:
    return campaign_seen(session(), current_user(), campaign)


@api.get("/campaigns/<int:campaign_id>/targets")
@api.input(TargetQuery, location="query", arg_name="query")
@api.output(TargetPage)
def list_targets(campaign_id: int, query: dict[str, Any]) -> dict[str, Any]:
    """The campaign's targets in the caller's scope, in the plan's order, each with its visit."""
    campaign = permitted("campaign.view", commands.get_campaign(session(), campaign_id))
    stmt = targets_query(current_user(), campaign, query.get("q", "").strip())
    return paginate(stmt, query["page"], query["per_page"])


@api.patch("/campaigns/<int:campaign_id>")
@api.input(CampaignFields, arg_name="data")
@api.input(IfMatch, location="headers", arg_name="headers")
@api.output(CampaignOut, headers=ETagHeader)
def update_campaign(
    campaign_id: int, data: dict[str, Any], headers: dict[str, Any]
) -> dict[str, Any]:
    """With `If-Match`, refused (409, nothing written) once someone has changed the campaign."""
    campaign = as_caller(commands.update, campaign_id, data, headers["if_match"])
    return tagged(campaign.version, _seen(campaign))


@api.post("/campaigns/<int:campaign_id>/targets")
@api.input(TargetIn, arg_name="data")
@api.output(TargetOut, status_code=201)
def add_target(campaign_id: int, data: dict[str, Any]) -> Target:
    return as_caller(commands.add_target, campaign_id, data["office_id"], data.get("commune_id"))


@api.patch("/campaigns/<int:campaign_id>/targets/<int:target_id>")
@api.input(TargetFields, arg_name="data")
@api.input(IfMatch, location="headers", arg_name="headers")
@api.output(TargetOut, headers=ETagHeader)
def update_target(
    campaign_id: int, target_id: int, data: dict[str, Any], headers: dict[str, Any]
) -> Target:
    """Change the office or the commune (`null`: chosen later); 409 with the reason once the
    visit or an issued document names them (a commune left to choose later may still be)."""
    target = as_caller(commands.update_target, campaign_id, target_id, data, headers["if_match"])
    return tagged(target.version, target)


@api.delete("/campaigns/<int:campaign_id>/targets/<int:target_id>")
@api.input(IfMatch, location="headers", arg_name="headers")
@api.output({}, status_code=204)
def remove_target(campaign_id: int, target_id: int, headers: dict[str, Any]) -> str:
    """409 with the reason once the target's visit is scheduled or a document drawn up for it."""
    as_caller(commands.remove_target, campaign_id, target_id, headers["if_match"])
    return ""


@api.post("/campaigns/<int:campaign_id>/members")
@api.input(MemberIn, arg_name="data")
@api.output(MemberOut, status_code=201)
def add_member(campaign_id: int, data: dict[str, Any]) -> TeamMember:
    return as_caller(commands.add_member, campaign_id, data["person_id"], data["role"])


@api.patch("/campaigns/<int:campaign_id>/members/<int:member_id>")
@api.input(MemberFields, arg_name="data")
@api.input(IfMatch, location="headers", arg_name="headers")
@api.output(MemberOut, headers=ETagHeader)
def update_member(
    campaign_id: int, member_id: int, data: dict[str, Any], headers: dict[str, Any]
) -> TeamMember:
    """409 while the issued team decision names the member: a correction is its next version."""
    member = as_caller(
        commands.update_member, campaign_id, member_id, data["role"], headers["if_match"]
    )
    return tagged(member.version, member)


@api.delete("/campaigns/<int:campaign_id>/members/<int:member_id>")
@api.input(IfMatch, location="headers", arg_name="headers")
@api.output({}, status_code=204)
def remove_member(campaign_id: int, member_id: int, headers: dict[str, Any]) -> str:
    """409 while the issued team decision names the member: a correction is its next version."""
    as_caller(commands.remove_member, campaign_id, member_id, headers["if_match"])
    return ""


@api.get("/campaigns/<int:campaign_id>/lifecycle")
@api.output(LifecycleOut)
def get_lifecycle(campaign_id: int) -> LifecycleSummary:
    return lifecycle_view(campaign_id)


def lifecycle_view(campaign_id: int) -> LifecycleSummary:
    """Where the campaign stands, what each next step still needs, and its history."""
    db = session()
    campaign = permitted("campaign.view", commands.get_campaign(db, campaign_id))
    return lifecycle_seen(db, current_user(), campaign)


@api.post("/campaigns/<int:campaign_id>/actions/<action>")
@api.input(ActionIn, arg_name="data")
@api.output(LifecycleOut)
@api.doc(responses={202: "Step taken; its documents are being issued (see Location)"})
def run_action(campaign_id: int, action: str, data: dict[str, Any]) -> Any:
    """Lifecycle steps without their own endpoint; document-issuing steps issue their document,
    or (schedule_visits: one per target) answer 202 and leave them to a job, whose progress
    `GET /campaigns/<id>/progress` (the Location) shows."""
    step = actions.Step(
        issue_date=data.get("issue_date"),
        reason=data["reason"],
        confirm_non_working_days=data["confirm_non_working_days"],
    )
    taken = as_caller(actions.perform, campaign_id, action, step)
    summary = lifecycle_view(campaign_id)
    if not taken.queued:
        return summary
    return summary, 202, {"Location": url_for("api.campaign_progress", campaign_id=campaign_id)}


@api.get("/campaigns/<int:campaign_id>/progress")
@api.output(ProgressOut)
def campaign_progress(campaign_id: int) -> dict[str, Any]:
    """The work a step left to workers: how many targets have their document (bulk issue)."""
    db = session()
    campaign = permitted("campaign.view", commands.get_campaign(db, campaign_id))
    return {"issuing": issuing(db, current_user(), campaign)}


@api.post("/campaigns/<int:campaign_id>/visits")
@api.input(VisitScheduleIn, arg_name="data")
@api.input(IfMatch, location="headers", arg_name="headers")
@api.output(VisitOut, status_code=201, headers=ETagHeader)
def schedule_visit(campaign_id: int, data: dict[str, Any], headers: dict[str, Any]) -> Visit:
    """Moving a visit, `If-Match` is the visit's ETag (`"0"`: the target had none yet). A day
    off (weekend, public holiday) answers 409 naming it unless `confirm_non_working_days`."""
    target, start, end, place = (data[f] for f in ("target_id", "start", "end", "place"))
    visit = as_caller(
        visits.schedule,
        campaign_id,
        target,
        start,
        end,
        place,
        data.get("issue_date"),
        headers["if_match"],
        confirm_non_working_days=data["confirm_non_working_days"],
    )
    return tagged(visit.version, visit)


@api.get("/visits/<int:visit_id>")
@api.output(VisitOut, headers=ETagHeader)
def get_visit(visit_id: int) -> Visit:
    visit = permitted("visit.view", visits.get_visit(session(), visit_id))
    return tagged(visit.version, visit)


@api.post("/visits/<int:visit_id>/result")
@api.input(VisitResultIn, arg_name="data")
@api.input(IfMatch, location="headers", arg_name="headers")
@api.output(VisitOut, headers=ETagHeader)
def record_visit(visit_id: int, data: dict[str, Any], headers: dict[str, Any]) -> Visit:
    """With `If-Match`, refused (409, nothing written) once someone has changed the visit."""
    visit = as_caller(visits.record, visit_id, data, headers["if_match"])
    return tagged(visit.version, visit)


@api.post("/visits/<int:visit_id>/skip")
@api.input(VisitSkipIn, arg_name="data")
@api.output(VisitOut)
def skip_visit(visit_id: int, data: dict[str, Any]) -> Visit:
    return as_caller(visits.cancel, visit_id, data["reason"])


@api.get("/campaigns/<int:campaign_id>/documents")
@api.input(DocumentQuery, location="query", arg_name="query")
@api.output(DocumentPage)
def list_documents(campaign_id: int, query: dict[str, Any]) -> dict[str, Any]:
    permitted("document.view", commands.get_campaign(session(), campaign_id))
    stmt = documents_query(current_user(), campaign_id)
    for name in ("kind", "status"):
        if query.get(name):
            stmt = stmt.where(getattr(Document, name) == query[name])
    return paginate(stmt, query["page"], query["per_page"])


@api.post("/campaigns/<int:campaign_id>/documents")
@api.input(DocumentIn, arg_name="data")
@api.output(DocumentOut, status_code=201)
def draft_document(campaign_id: int, data: dict[str, Any]) -> Document:
    return as_caller(
        documents.draft, campaign_id, data["kind"], data.get("target_id"), data.get("visit_id")
    )
