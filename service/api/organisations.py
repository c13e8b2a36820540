"""Organisations: the agency tree, district offices and commune steering committees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.api import api
from service.api.paging import paginate
from service.api.schemas import OrganisationIn, OrganisationOut, OrganisationPage, PageQuery
from service.commands import campaigns as commands
from service.database import session, transaction
from service.models import Organisation


@api.get("/organisations")
@api.input(PageQuery, location="query", arg_name="query")
@api.output(OrganisationPage)
def list_organisations(query: dict[str, Any]) -> dict[str, Any]:
    stmt = select(Organisation).order_by(Organisation.id)
    return paginate(stmt, query["page"], query["per_page"])


@api.get("/organisations/<int:org_id>")
@api.output(OrganisationOut)
def get_organisation(org_id: int) -> Organisation:
    return commands.get(session(), Organisation, org_id, "cơ quan, đơn vị")  # type: ignore[no-any-return]


@api.post("/organisations")
@api.input(OrganisationIn, arg_name="data")
@api.output(OrganisationOut, status_code=201)
def create_organisation(data: dict[str, Any]) -> Organisation:
    with transaction() as db:
        return commands.create_organisation(db, data)
