"""E-mail dispatches: the log (who got what, when, or the server's refusal), resends, routing
previews and the outgoing register as CSV or XLSX."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from apiflask.validators import OneOf, Range
from flask import Response, current_app

from service.api import api
from service.api.access import as_caller, permitted, require
from service.api.paging import listing, paged
from service.api.schemas import (
    DispatchOut,
    DispatchPage,
    DispatchQuery,
    Integer,
    RoutingOut,
    StrictSchema,
    String,
)
from service.api.spec import file_responses
from service.commands import dispatch as commands
from service.commands.documents import get_document
from service.database import session
from service.downloads import content_disposition, log_read
from service.mail import register
from service.models import Dispatch
from workflows.routing import Routing

REGISTER_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class RegisterQuery(StrictSchema):
    campaign_id = Integer()
    year = Integer(validate=Range(min=2000, max=2100))
    format = String(load_default="xlsx", validate=OneOf(tuple(REGISTER_TYPES)))


@api.get("/dispatches")
@paged(DispatchPage, DispatchQuery)
def list_dispatches(query: dict[str, Any]) -> dict[str, Any]:
    filters = ("campaign_id", "document_id", "state", "purpose")
    return listing("dispatch.view", Dispatch, query, filters)


@api.get("/dispatches/<int:dispatch_id>")
@api.output(DispatchOut)
def get_dispatch(dispatch_id: int) -> Dispatch:
    return permitted("dispatch.view", commands.get_dispatch(session(), dispatch_id))


@api.post("/dispatches/<int:dispatch_id>/resend")
@api.output(DispatchOut, status_code=202)
@api.doc(responses={409: "Still queued or being sent"})
def resend_dispatch(dispatch_id: int) -> Dispatch:
    """An explicit new attempt (a new Message-ID): for a failed e-mail, or a lost one."""
    return as_caller(commands.resend, dispatch_id)


@api.get("/documents/<int:doc_id>/routing")
@api.output(RoutingOut)
def document_routing(doc_id: int) -> dict[str, Any]:
    """Whom the document is printed for and e-mailed to, and who has no address."""
    doc = permitted("document.view", get_document(session(), doc_id))
    resolved = Routing.from_dict(doc.context.get("routing") or {})
    return {
        "printed": doc.context.get("recipients") or resolved.printed(),
        "lines": resolved.lines,
        "mailing": resolved.mailing(),
        "unmailed": resolved.unmailed(),
        "copies": resolved.copies(),
    }


@api.get("/register")
@api.input(RegisterQuery, location="query", arg_name="query")
@api.doc(
    responses=file_responses(  # type: ignore[arg-type]
        "Sổ đăng ký văn bản đi (CSV hoặc XLSX)",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
)
def outgoing_register(query: dict[str, Any]) -> Response:
    require("register.view")
    tz = ZoneInfo(current_app.config["VANTHU"].timezone)
    rows = register.register_rows(session(), tz, query.get("campaign_id"), query.get("year"))
    fmt = query["format"]
    content = register.to_csv(rows) if fmt == "csv" else register.to_xlsx(rows)
    response = Response(content, content_type=REGISTER_TYPES[fmt])
    suffix = f" {query['year']}" if query.get("year") else ""
    response.headers["Content-Disposition"] = content_disposition(f"Sổ văn bản đi{suffix}.{fmt}")
    log_read("register.export", "register", query.get("year") or "", f"{len(rows)} dòng, {fmt}")
    return response
