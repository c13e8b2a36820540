"""District scoping as SQL conditions, so lists are filtered (and paginated) in the database.

Each condition selects exactly the rows `service.auth.rules.sees` accepts: a page is never
short and a list never shows what a detail page would answer 404 for.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from service.auth.rules import DISTRICT_KINDS
from service.models import Campaign, Dispatch, Document, Job, Target, User, Visit
from workflows.vocabulary import Role


def _offices(user: User) -> ColumnElement[bool] | None:
    """The condition on a target's office that bounds what `user` sees; None: no bound."""
    if not user.active:
        return false()
    if user.role != Role.DISTRICT:
        return None
    if user.organisation_id is None:
        return false()
    return Target.office_id == user.organisation_id


def campaigns_seen(user: User) -> ColumnElement[bool]:
    offices = _offices(user)
    if offices is None:
        return true()
    return Campaign.id.in_(select(Target.campaign_id).where(offices))


def targets_seen(user: User) -> ColumnElement[bool]:
    offices = _offices(user)
    return true() if offices is None else offices


def visits_seen(user: User) -> ColumnElement[bool]:
    offices = _offices(user)
    if offices is None:
        return true()
    return Visit.target_id.in_(select(Target.id).where(offices))


def documents_seen(user: User) -> ColumnElement[bool]:
    offices = _offices(user)
    if offices is None:
        return true()
    return Document.kind.in_(DISTRICT_KINDS) & Document.target_id.in_(
        select(Target.id).where(offices)
    )


def dispatches_seen(user: User) -> ColumnElement[bool]:
    """A dispatch is seen with its document."""
    if _offices(user) is None:
        return true()
    return Dispatch.document_id.in_(select(Document.id).where(documents_seen(user)))


def jobs_seen(user: User) -> ColumnElement[bool]:
    """A job is seen with its document; a district user sees no job about the whole campaign."""
    if _offices(user) is None:
        return true()
    return Job.document_id.in_(select(Document.id).where(documents_seen(user)))
