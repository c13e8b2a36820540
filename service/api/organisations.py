"""Organisations (the agency tree, district offices, commune committees), people and signers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.api import api
from service.api.access import require
from service.api.paging import paginate
from service.api.schemas import (
    ContactIn,
    ContactOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationPatch,
    PageQuery,
    PersonIn,
    PersonOut,
    PersonPage,
    SignerIn,
    SignerOut,
)
from service.commands import campaigns as commands
from service.database import session, transaction
from service.models import Contact, Organisation, Person, Signer


def _organisation(db: Any, org_id: int) -> Organisation:
    return commands.get(db, Organisation, org_id, "cơ quan, đơn vị")  # type: ignore[no-any-return]


@api.get("/organisations")
@api.input(PageQuery, location="query", arg_name="query")
@api.output(OrganisationPage)
def list_organisations(query: dict[str, Any]) -> dict[str, Any]:
    require("directory.view")
    stmt = select(Organisation).order_by(Organisation.id)
    return paginate(stmt, query["page"], query["per_page"])


@api.get("/organisations/<int:org_id>")
@api.output(OrganisationOut)
def get_organisation(org_id: int) -> Organisation:
    require("directory.view")
    return _organisation(session(), org_id)


@api.post("/organisations")
@api.input(OrganisationIn, arg_name="data")
@api.output(OrganisationOut, status_code=201)
def create_organisation(data: dict[str, Any]) -> Organisation:
    require("directory.edit")
    with transaction() as db:
        return commands.create_organisation(db, data)


@api.patch("/organisations/<int:org_id>")
@api.input(OrganisationPatch, arg_name="data")
@api.output(OrganisationOut)
def update_organisation(org_id: int, data: dict[str, Any]) -> Organisation:
    """Includes `series_plan`: one shared register series, or one per document kind."""
    require("directory.edit")
    with transaction() as db:
        return commands.update_organisation(db, _organisation(db, org_id), data)


@api.post("/organisations/<int:org_id>/contacts")
@api.input(ContactIn, arg_name="data")
@api.output(ContactOut, status_code=201)
def add_contact(org_id: int, data: dict[str, Any]) -> Contact:
    require("directory.edit")
    with transaction() as db:
        return commands.add_contact(db, _organisation(db, org_id), data)


@api.get("/people")
@api.input(PageQuery, location="query", arg_name="query")
@api.output(PersonPage)
def list_people(query: dict[str, Any]) -> dict[str, Any]:
    require("directory.view")
    return paginate(select(Person).order_by(Person.id), query["page"], query["per_page"])


@api.post("/people")
@api.input(PersonIn, arg_name="data")
@api.output(PersonOut, status_code=201)
def create_person(data: dict[str, Any]) -> Person:
    require("directory.edit")
    with transaction() as db:
        return commands.create_person(db, data)


@api.get("/signers")
@api.output(SignerOut(many=True))
def list_signers() -> list[Signer]:
    require("directory.view")
    return list(session().scalars(select(Signer).order_by(Signer.id)))


@api.post("/signers")
@api.input(SignerIn, arg_name="data")
@api.output(SignerOut, status_code=201)
def create_signer(data: dict[str, Any]) -> Signer:
    require("directory.edit")
    with transaction() as db:
        return commands.create_signer(db, data)
