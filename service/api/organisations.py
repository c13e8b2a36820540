"""Organisations (the agency tree, district offices, commune committees), people and signers."""

from __future__ import annotations

from typing import Any

from service.api import api
from service.api.access import as_caller, require
from service.api.etags import tagged
from service.api.paging import listing, paged
from service.api.schemas import (
    ContactIn,
    ContactOut,
    ETagHeader,
    IfMatch,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationPatch,
    PersonIn,
    PersonOut,
    PersonPage,
    SignerIn,
    SignerOut,
    SignerPatch,
)
from service.commands import campaigns as commands
from service.commands import directory as edits
from service.database import session
from service.models import Contact, Organisation, Person, Signer
from service.queries.directory import signers


@api.get("/organisations")
@paged(OrganisationPage)
def list_organisations(query: dict[str, Any]) -> dict[str, Any]:
    return listing("directory.view", Organisation, query)


@api.get("/organisations/<int:org_id>")
@api.output(OrganisationOut, headers=ETagHeader)
def get_organisation(org_id: int) -> Organisation:
    require("directory.view")
    org = commands.get_organisation(session(), org_id)
    return tagged(org.version, org)


@api.post("/organisations")
@api.input(OrganisationIn, arg_name="data")
@api.output(OrganisationOut, status_code=201)
def create_organisation(data: dict[str, Any]) -> Organisation:
    return as_caller(commands.create_organisation, data)


@api.patch("/organisations/<int:org_id>")
@api.input(OrganisationPatch, arg_name="data")
@api.input(IfMatch, location="headers", arg_name="headers")
@api.output(OrganisationOut, headers=ETagHeader)
def update_organisation(org_id: int, data: dict[str, Any], headers: dict[str, Any]) -> Organisation:
    """Includes `series_plan`: one shared register series, or one per document kind. With
    `If-Match`, refused (409, nothing written) once someone has changed the organisation."""
    org = as_caller(commands.update_organisation, org_id, data, headers["if_match"])
    return tagged(org.version, org)


@api.post("/organisations/<int:org_id>/contacts")
@api.input(ContactIn, arg_name="data")
@api.output(ContactOut, status_code=201)
def add_contact(org_id: int, data: dict[str, Any]) -> Contact:
    return as_caller(commands.add_contact, org_id, data)


@api.get("/people")
@paged(PersonPage)
def list_people(query: dict[str, Any]) -> dict[str, Any]:
    return listing("directory.view", Person, query)


@api.post("/people")
@api.input(PersonIn, arg_name="data")
@api.output(PersonOut, status_code=201)
def create_person(data: dict[str, Any]) -> Person:
    return as_caller(commands.create_person, data)


@api.get("/signers")
@api.output(SignerOut(many=True))
def list_signers() -> list[Signer]:
    require("directory.view")
    return signers(session())


@api.post("/signers")
@api.input(SignerIn, arg_name="data")
@api.output(SignerOut, status_code=201)
def create_signer(data: dict[str, Any]) -> Signer:
    return as_caller(commands.create_signer, data)


@api.patch("/signers/<int:signer_id>")
@api.input(SignerPatch, arg_name="data")
@api.output(SignerOut)
def update_signer(signer_id: int, data: dict[str, Any]) -> Signer:
    """Change the person or the lines of a capacity; documents already drawn up keep theirs."""
    return as_caller(edits.update_signer, signer_id, data)


@api.delete("/signers/<int:signer_id>")
@api.output({}, status_code=204)
def remove_signer(signer_id: int) -> str:
    """409 with the reason while a campaign signs in this capacity."""
    as_caller(edits.remove_signer, signer_id)
    return ""
