"""What each organisation and person of the directory receives in the current campaigns: the
routing rules resolved as a document would resolve them (service.documents.context), read back
per holder, so the directory shows who would get nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.documents.context import directory as routing_directory
from service.models import Campaign, Organisation, Person, Target, TeamMember
from workflows import routing
from workflows.documents import FILING_ORDER, KINDS
from workflows.lifecycle import Stage

K = TypeVar("K")


@dataclass(frozen=True)
class Receipt:
    """One document kind of one current campaign that names an organisation or a person: the
    Nơi nhận line naming it and whether that reaches a mailbox of theirs."""

    campaign: Campaign
    kind: str
    line: str
    mailed: bool

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind].label

    @property
    def kind_code(self) -> str:
        return KINDS[self.kind].type_code


@dataclass(frozen=True)
class Receipts:
    """What each organisation (by id) and person (by name) receives in the current campaigns."""

    organisations: dict[int, list[Receipt]]
    people: dict[str, list[Receipt]]

    def of_organisation(self, org: Organisation) -> list[Receipt]:
        return self.organisations.get(org.id, [])

    def of_person(self, person: Person) -> list[Receipt]:
        return self.people.get(person.full_name, [])


def current_campaigns(db: Session) -> list[Campaign]:
    """The campaigns whose documents are still to come: every one not yet archived, with what
    their routing reads (targets' offices and communes, team, contacts) loaded in a few
    queries, however many targets they have."""
    with_contacts = selectinload(Organisation.contacts)
    stmt = (
        select(Campaign)
        .where(Campaign.stage != Stage.ARCHIVED)
        .order_by(Campaign.id)
        .options(
            selectinload(Campaign.issuer).options(
                with_contacts, selectinload(Organisation.parent).options(with_contacts)
            ),
            selectinload(Campaign.unit).options(with_contacts),
            selectinload(Campaign.targets).options(
                selectinload(Target.office).options(with_contacts),
                selectinload(Target.commune).options(with_contacts),
            ),
            selectinload(Campaign.members).selectinload(TeamMember.person),
        )
    )
    return list(db.scalars(stmt))


def receipts(db: Session) -> Receipts:
    """Each kind's Nơi nhận as the routing rules resolve it for every current campaign (with
    all its targets), read back per organisation and person: a line's mailboxes carry their
    organisation's id (a person's none), and a holder with no mailbox is named as missing."""
    orgs: dict[int, list[Receipt]] = {}
    people: dict[str, list[Receipt]] = {}
    names = {o.name: o.id for o in db.scalars(select(Organisation))}
    for campaign in current_campaigns(db):
        tree = routing_directory(campaign, campaign.targets)
        for kind in FILING_ORDER:
            written = {"KH": campaign.recipients, "BC": campaign.report_recipients}.get(kind, [])
            for line in routing.route(kind, tree, written).lines:
                for r in line.recipients:
                    receipt = Receipt(campaign, kind, line.text, mailed=True)
                    if r.organisation_id is not None:
                        _add(orgs, r.organisation_id, receipt)
                    else:
                        _add(people, r.name, receipt)
                for name in line.missing:
                    receipt = Receipt(campaign, kind, line.text, mailed=False)
                    if name in names:
                        _add(orgs, names[name], receipt)
                    else:
                        _add(people, name, receipt)
    return Receipts(orgs, people)


def _add(found: dict[K, list[Receipt]], key: K, receipt: Receipt) -> None:
    """Add `receipt` under `key` once per campaign and kind (a mailed copy wins)."""
    kept = found.setdefault(key, [])
    for i, seen in enumerate(kept):
        if seen.campaign.id == receipt.campaign.id and seen.kind == receipt.kind:
            if receipt.mailed and not seen.mailed:
                kept[i] = receipt
            return
    kept.append(receipt)
