"""District scoping as SQL conditions, so lists are filtered (and paginated) in the database.

Each condition selects exactly the rows `service.auth.rules.sees` accepts: a page is never
short and a list never shows what a detail page would answer 404 for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true

from service.auth.rules import DISTRICT_KINDS, SENT_TO_OFFICES
from service.models import Campaign, Dispatch, Document, Job, Target, User, Visit
from workflows.vocabulary import DocumentStatus, Role

Narrowing = Callable[[ColumnElement[bool]], ColumnElement[bool]]


def _offices(user: User) -> ColumnElement[bool] | None:
    """The condition on a target's office that bounds what `user` sees; None: no bound."""
    if not user.active:
        return false()
    if user.role != Role.DISTRICT:
        return None
    if user.organisation_id is None:
        return false()
    return Target.office_id == user.organisation_id


def _within(user: User, narrowed: Narrowing) -> ColumnElement[bool]:
    """Everything for an unbounded user; else the rows `narrowed` keeps within its offices."""
    offices = _offices(user)
    return true() if offices is None else narrowed(offices)


def sees_every_office(user: User) -> bool:
    """Whether no office bounds what `user` sees (everyone active but district users)."""
    return _offices(user) is None


def kind_seen(user: User, kind: str) -> bool:
    """Whether `user` sees documents of `kind` at all (a district user: those of its office)."""
    return sees_every_office(user) or kind in DISTRICT_KINDS


def _targets(offices: ColumnElement[bool]) -> Select[Any]:
    return select(Target.id).where(offices)


def campaigns_seen(user: User) -> ColumnElement[bool]:
    return _within(user, lambda o: Campaign.id.in_(select(Target.campaign_id).where(o)))


def targets_seen(user: User) -> ColumnElement[bool]:
    return _within(user, lambda o: o)


def visits_seen(user: User) -> ColumnElement[bool]:
    return _within(user, lambda o: Visit.target_id.in_(_targets(o)))


def _documents_of_offices(offices: ColumnElement[bool]) -> ColumnElement[bool]:
    """Its office's notices and minutes; the issued plans and decisions sent to it."""
    own = Document.kind.in_(DISTRICT_KINDS) & Document.target_id.in_(_targets(offices))
    sent = (
        Document.kind.in_(SENT_TO_OFFICES)
        & (Document.status == DocumentStatus.ISSUED)
        & Document.campaign_id.in_(select(Target.campaign_id).where(offices))
    )
    return own | sent


def documents_seen(user: User) -> ColumnElement[bool]:
    return _within(user, _documents_of_offices)


def _of_seen_documents(user: User, column: Any) -> ColumnElement[bool]:
    return _within(user, lambda _o: column.in_(select(Document.id).where(documents_seen(user))))


def dispatches_seen(user: User) -> ColumnElement[bool]:
    """A dispatch is seen with its document; of a plan or decision sent to every office, a
    district user sees only the one to its own."""
    sent_to_all = select(Document.id).where(Document.kind.in_(SENT_TO_OFFICES))
    return _of_seen_documents(user, Dispatch.document_id) & _within(
        user,
        lambda _o: (
            Dispatch.document_id.not_in(sent_to_all)
            | (Dispatch.organisation_id == user.organisation_id)
        ),
    )


def jobs_seen(user: User) -> ColumnElement[bool]:
    """A job is seen with its document; a district user sees no job about the whole campaign."""
    return _of_seen_documents(user, Job.document_id)
