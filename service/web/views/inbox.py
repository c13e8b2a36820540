""" "Việc chờ tôi": what waits for the signed-in user, each row linking to where it is done; and
the preview of every notice a leader issues in one batch, before the confirm button."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import render_template, request
from sqlalchemy.orm import Session

from service.commands import working_days
from service.database import session as db_session
from service.documents.context import directory
from service.identity import caller, current_user
from service.models import Campaign, Target
from service.queries.inbox import DraftFiles, counts, inbox, notice_drafts, notice_targets
from service.queries.paging import page_of_list
from service.web.blueprint import web
from service.web.forms import Form
from service.web.paging import asked_page
from service.web.views.campaigns import load
from service.web.views.visits import announcing
from workflows import routing
from workflows.documents import KINDS

NOTICES_PER_PAGE = 50


def inbox_count() -> int:
    """The menu's "Việc chờ tôi" figure for the signed-in user."""
    return counts(db_session(), current_user(), caller().now()).total


@web.context_processor
def inbox_globals() -> dict[str, Any]:
    return {"inbox_count": inbox_count}


@web.get("/inbox")
def inbox_page() -> str:
    found = inbox(db_session(), current_user(), caller().now())
    return render_template("inbox.html", inbox=found, kinds=KINDS)


@dataclass(frozen=True)
class Notice:
    """One notice the batch will issue: its target, whom the routing mails it to (beyond the
    recipients every notice shares), who is printed but gets no e-mail, and its draft."""

    index: int  # its row in the schedule, from 1
    target: Target
    mailing: list[routing.Recipient]
    unmailed: list[str]
    draft: DraftFiles | None
    day_off: str


@dataclass(frozen=True)
class Preview:
    notices: list[Notice]
    shared_mailing: list[routing.Recipient]  # recipients of every notice, listed once
    shared_unmailed: list[str]
    unconfirmed: list[str]  # visits on a day off nobody has confirmed


def _shared(lists: list[list[Any]]) -> list[Any]:
    """What every list holds, in the first one's order (none for a single list)."""
    if len(lists) < 2:
        return []
    return [item for item in lists[0] if all(item in other for other in lists[1:])]


def preview(db: Session, campaign: Campaign) -> Preview:
    """Each target's notice as the batch issue would address it now: the routing resolved from
    one reading of the directory, whatever the number of targets."""
    targets = notice_targets(db, campaign.id)
    found = directory(campaign, targets)
    resolved = [routing.route("TB", replace(found, targets=(orgs,))) for orgs in found.targets]
    mailing = [r.mailing() for r in resolved]
    unmailed = [r.unmailed() for r in resolved]
    shared_mailing, shared_unmailed = _shared(mailing), _shared(unmailed)
    drafts = notice_drafts(db, campaign.id)
    unconfirmed = working_days.unconfirmed(db, [t.visit for t in targets if t.visit is not None])
    notices = [
        Notice(
            index=index,
            target=target,
            mailing=[r for r in mails if r not in shared_mailing],
            unmailed=[name for name in silent if name not in shared_unmailed],
            draft=drafts.get(target.id),
            day_off=unconfirmed.get(target.id, ""),
        )
        for index, (target, mails, silent) in enumerate(
            zip(targets, mailing, unmailed, strict=True), start=1
        )
    ]
    return Preview(notices, shared_mailing, shared_unmailed, list(unconfirmed.values()))


@web.get("/campaigns/<int:campaign_id>/notices/preview")
def notice_preview(campaign_id: int) -> tuple[str, int]:
    """Every notice of the schedule before the leader issues them all; the issue date chosen on
    the schedule page comes along, checked."""
    form = Form(request.args)
    typed = form.text("issue_date", max_length=40)
    issue_date = form.date("issue_date")
    db = db_session()
    campaign = load(db, campaign_id, "document.issue")
    found = preview(db, campaign)
    return (
        render_template(
            "notice_preview.html",
            campaign=campaign,
            preview=found,
            notices=page_of_list(found.notices, asked_page(), NOTICES_PER_PAGE),
            issue_date=issue_date.isoformat() if issue_date else typed,
            errors=form.errors,
            confirm_field=working_days.CONFIRM_FIELD,
            **announcing(db, campaign),
        ),
        422 if form.errors else 200,
    )
