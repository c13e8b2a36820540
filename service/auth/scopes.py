"""District scoping as SQL conditions, for lists that are paginated in the database.

Each condition selects exactly the rows `rules.sees` accepts, so a page is never short.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from service.auth.rules import DISTRICT_KINDS
from service.models import Campaign, Document, Target, User


def campaigns_seen(user: User) -> ColumnElement[bool]:
    if user.role != "district":
        return true()
    if user.organisation_id is None:
        return false()
    offices = select(Target.campaign_id).where(Target.office_id == user.organisation_id)
    return Campaign.id.in_(offices)


def documents_seen(user: User) -> ColumnElement[bool]:
    if user.role != "district":
        return true()
    if user.organisation_id is None:
        return false()
    targets = select(Target.id).where(Target.office_id == user.organisation_id)
    return Document.kind.in_(DISTRICT_KINDS) & Document.target_id.in_(targets)
