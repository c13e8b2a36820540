"""E-mail dispatches: the log (who got what, when, or the server's refusal), resends, routing
previews and the outgoing register: as CSV or XLSX, and as the văn thư keeps it (the next number
of each series, the numbers issued outside the system)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from apiflask.validators import OneOf, Range
from flask import Response, current_app

from service.api import api
from service.api.access import as_caller, caller, permitted, require
from service.api.paging import listing, paged
from service.api.schemas import (
    DispatchOut,
    DispatchPage,
    DispatchQuery,
    Integer,
    NextNumberIn,
    RegisterEntryIn,
    RegisterEntryOut,
    RegisterOut,
    RegistersQuery,
    RoutingOut,
    StrictSchema,
    String,
)
from service.api.spec import file_responses
from service.commands import dispatch as commands
from service.commands import registers as register_commands
from service.commands.documents import get_document
from service.database import session
from service.downloads import content_disposition, log_read
from service.mail import register
from service.models import Dispatch, RegisterEntry
from service.queries import registers
from service.queries.registers import SERIES as REGISTER_SERIES
from service.queries.registers import RegisterView
from workflows.routing import Routing


class RegisterQuery(StrictSchema):
    campaign_id = Integer()
    year = Integer(validate=Range(min=2000, max=2100))
    organisation_id = Integer()
    series = String(validate=OneOf(tuple(REGISTER_SERIES)))
    format = String(load_default="xlsx", validate=OneOf(tuple(register.REGISTER_TYPES)))


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
    """Issued documents and the numbers recorded outside the system, by series and number (a
    campaign's: its documents only)."""
    require("register.view")
    tz = ZoneInfo(current_app.config["VANTHU"].timezone)
    book = register.register_book(
        session(),
        tz,
        query.get("campaign_id"),
        query.get("year"),
        query.get("organisation_id"),
        query.get("series"),
    )
    fmt = query["format"]
    content, content_type, name = register.export(book, fmt)
    response = Response(content, content_type=content_type)
    response.headers["Content-Disposition"] = content_disposition(name)
    log_read(
        "register.export", "register", query.get("year") or "", f"{len(book.rows)} dòng, {fmt}"
    )
    return response


@api.get("/registers")
@api.input(RegistersQuery, location="query", arg_name="query")
@api.output(RegisterOut(many=True))
def list_registers(query: dict[str, Any]) -> list[RegisterView]:
    """Each series of each issuer for the year: the highest number used and the one issuing
    takes next."""
    require("register.view")
    year = query.get("year") or caller().today().year
    return registers.overviews(session(), year, query.get("organisation_id"))


@api.post("/registers/next_number")
@api.input(NextNumberIn, arg_name="data")
@api.output(RegisterOut)
@api.doc(responses={422: "At or below a number the register already used"})
def set_next_number(data: dict[str, Any]) -> RegisterView:
    """Set the number a register (issuer, year, series) issues next: a register adopted
    mid-year starts after its paper numbers."""
    kept = as_caller(register_commands.set_next_number, data)
    return registers.view(session(), kept.organisation_id, kept.year, kept.series, kept)


@api.post("/registers/entries")
@api.input(RegisterEntryIn, arg_name="data")
@api.output(RegisterEntryOut, status_code=201)
@api.doc(responses={422: "The number, or number and code, is already in the register"})
def record_register_entry(data: dict[str, Any]) -> RegisterEntry:
    """Record a number issued outside the system: issuing never takes it again."""
    return as_caller(register_commands.record_entry, data)
