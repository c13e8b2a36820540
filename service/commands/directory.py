"""The directory's use cases beyond creating: editing a person, a contact or a signer, removing
a contact or a signer and deactivating (or reactivating) an organisation or a person.

Creating organisations, people, contacts and signers, and editing an organisation, are in
`service.commands.campaigns`, which the API and the UI both call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.commands import checks
from service.commands.caller import Caller
from service.commands.campaigns import checked_signer, get, get_organisation
from service.errors import Conflict, Invalid
from service.models import Campaign, Contact, Organisation, Person, Signer

PERSON_NAMES = ("full_name", "position")


def get_person(db: Session, person_id: int) -> Person:
    result: Person = get(db, Person, person_id, "người")
    return result


def get_contact(db: Session, contact_id: int) -> Contact:
    result: Contact = get(db, Contact, contact_id, "địa chỉ liên hệ")
    return result


def get_signer(db: Session, signer_id: int) -> Signer:
    result: Signer = get(db, Signer, signer_id, "chức danh ký")
    return result


def update_signer(db: Session, caller: Caller, signer_id: int, data: dict[str, Any]) -> Signer:
    """Change who signs in a capacity, or the capacity's lines; documents already drawn up keep
    the signature block they were drawn up with, the next ones print the new one."""
    caller.require("directory.edit")
    signer = get_signer(db, signer_id)
    for key, value in checked_signer(db, data, signer).items():
        setattr(signer, key, value)
    db.flush()
    return signer


def remove_signer(db: Session, caller: Caller, signer_id: int) -> Person:
    """Remove a capacity no campaign signs in (a campaign's signer is chosen again first); the
    person it was of is returned."""
    caller.require("directory.edit")
    signer = get_signer(db, signer_id)
    using = db.scalars(select(Campaign).where(Campaign.signer_id == signer.id)).all()
    if using:
        titles = ", ".join(f"«{c.title}» ({c.year})" for c in using)
        raise Conflict([f"Kế hoạch {titles} đang dùng chức danh ký này: chọn người ký khác trước"])
    person = signer.person
    db.delete(signer)
    db.flush()
    return person


def update_person(db: Session, caller: Caller, person_id: int, data: dict[str, Any]) -> Person:
    """Edit a person's name, position, organisation and addresses."""
    caller.require("directory.edit")
    person = get_person(db, person_id)
    data = checks.checked(Person, data, names=PERSON_NAMES, emails=("email",))
    org_id = data.get("organisation_id")
    if org_id is not None and db.get(Organisation, org_id) is None:
        raise Invalid({"organisation_id": "Không tồn tại"})
    for key, value in data.items():
        setattr(person, key, value)
    db.flush()
    return person


def update_contact(db: Session, caller: Caller, contact_id: int, data: dict[str, Any]) -> Contact:
    """Edit a named mailbox; a contact exists to be mailed, so its address stays required."""
    caller.require("directory.edit")
    contact = get_contact(db, contact_id)
    if "email" in data and not str(data["email"] or "").strip():
        raise Invalid({"email": "Cần nhập địa chỉ thư điện tử của người nhận"})
    data = checks.checked(Contact, data, names=("name", "role"), emails=("email",))
    for key, value in data.items():
        setattr(contact, key, value)
    db.flush()
    return contact


def remove_contact(db: Session, caller: Caller, contact_id: int) -> Organisation:
    """Remove a contact; documents issued before keep the recipients frozen in them."""
    caller.require("directory.edit")
    contact = get_contact(db, contact_id)
    org = contact.organisation
    org.contacts.remove(contact)
    db.flush()
    return org


def set_organisation_active(db: Session, caller: Caller, org_id: int, active: bool) -> Organisation:
    """Deactivated, an organisation leaves the pickers and the routing of documents to come."""
    caller.require("directory.edit")
    org = get_organisation(db, org_id)
    org.active = active
    db.flush()
    return org


def set_person_active(db: Session, caller: Caller, person_id: int, active: bool) -> Person:
    """Deactivated, a person leaves the pickers (team, signers) and the leaders' copies."""
    caller.require("directory.edit")
    person = get_person(db, person_id)
    person.active = active
    db.flush()
    return person
