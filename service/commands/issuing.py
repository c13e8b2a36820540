"""Issue one document per target of a campaign as a job, batch by batch: the step that asks for
it answers at once, and no batch holds the campaign (or SQLite's write lock) for long.

Every batch is its own transaction, re-reads what is still outstanding under the campaign's lock
and takes its numbers from the register there: a job run again after its worker died issues
nothing twice and leaves no gap.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy.orm import Session

from service import audit, jobs
from service.commands import checks, documents
from service.commands import lifecycle as lifecycle_commands
from service.commands.caller import Caller
from service.commands.campaigns import ensure_open, get_campaign
from service.database import session, transaction
from service.errors import Conflict, Invalid, NotFound
from service.models import Campaign, Job, Target, User
from service.queries.issuing import Order, in_force, newest_job, outstanding
from service.runner import PermanentError
from workflows.documents import KINDS
from workflows.vocabulary import JobKind

BATCH_SIZE = 20
# A batch ends early once it has run this long: the campaign is held about that long at most,
# however slow the machine.
BATCH_SECONDS = 0.5


def request(
    db: Session,
    caller: Caller,
    campaign: Campaign,
    kind: str,
    issue_date: date | None,
    step: str,
    only: Collection[int] | None = None,
) -> Job:
    """In the step's transaction: the job that issues `kind` for every target of the campaign
    (or those in `only`), dated `issue_date` (None: today), as the caller; one job per campaign
    and `step`."""
    checks.issue_date(issue_date, caller.today())
    documents.check_dating(db, caller, campaign, kind, issue_date or caller.today())
    current = in_force(db, campaign.id, kind)
    chosen = [t for t in campaign.targets if only is None or t.id in only]
    order = Order(
        kind=kind,
        issue_date=issue_date or caller.today(),
        targets=tuple((t.id, current.get(t.id, 0)) for t in chosen),
        actor=caller.name,
        timezone=caller.timezone,
        user_id=caller.user.id if caller.user is not None else None,
    )
    key = f"{kind}:{campaign.id}:{step}"
    return jobs.enqueue(db, JobKind.ISSUE, key, campaign_id=campaign.id, payload=order.payload())


class _Refused(Exception):
    """The command refused one target's document; the others go on without it."""

    def __init__(self, target_id: int, reason: str) -> None:
        super().__init__(reason)
        self.target_id = target_id


def run(job: Job) -> None:
    """The issue job: batch after batch until no target is outstanding. A target the command
    refuses (e.g. its data is incomplete) is set aside while the others are issued; the attempt
    then fails naming it, and the next one tries it again."""
    order = Order.of(job.payload)
    refused: dict[int, str] = {}
    while True:
        try:
            if not _batch(int(job.campaign_id or 0), order, refused):
                break
        except _Refused as error:
            refused[error.target_id] = str(error)
    if refused:
        label = KINDS[order.kind].label.lower()
        raise Conflict([f"Chưa ban hành được {label} cho {len(refused)} đơn vị", *refused.values()])


def complete(campaign_id: int) -> None:
    """Issue here and now what the campaign's newest issue job still has outstanding (the demo
    waits for its notices so); the job, when a worker runs it, then finds nothing left."""
    with transaction() as db:
        job = newest_job(db, campaign_id)
        if job is None:
            return
        db.expunge(job)
    run(job)


def _batch(campaign_id: int, order: Order, refused: dict[int, str]) -> bool:
    """One short transaction: the next few outstanding documents; whether more remain."""
    with _acting(order.actor), transaction() as db:
        caller = _caller(db, order)
        campaign = get_campaign(db, campaign_id)
        lifecycle_commands.lock(db, campaign)  # before reading what is still outstanding
        started = time.monotonic()
        ensure_open(campaign)
        todo = [t for t in outstanding(db, campaign_id, order) if t not in refused]
        issued = 0
        for target_id in todo[:BATCH_SIZE]:
            try:
                documents.draft_and_issue(
                    db, caller, campaign, order.kind, order.issue_date, target_id
                )
            except (Conflict, Invalid, NotFound) as error:
                raise _Refused(target_id, f"{_name(db, target_id)}: {error}") from error
            issued += 1
            if time.monotonic() - started > BATCH_SECONDS:
                break
    return issued < len(todo)


def _caller(db: Session, order: Order) -> Caller:
    """Whoever asked, on their clock: the documents record them as the issuer."""
    if order.user_id is None:
        return Caller(None, order.timezone, order.actor)
    user = db.get(User, order.user_id)
    if user is None:
        raise PermanentError(f"Không tìm thấy người dùng #{order.user_id} đã yêu cầu ban hành")
    return Caller(user, order.timezone, order.actor)


@contextmanager
def _acting(actor: str) -> Iterator[None]:
    """The audit log names whoever asked for the batch's changes, not the worker."""
    db = session()
    before = db.info.get("actor")
    audit.set_actor(db, actor)
    try:
        yield
    finally:
        if before is None:
            db.info.pop("actor", None)
        else:
            db.info["actor"] = before


def _name(db: Session, target_id: int) -> str:
    target = db.get(Target, target_id)
    return target.office.name if target is not None else f"Đơn vị #{target_id}"


def given_up(db: Session, job: Job) -> None:
    """The job is over with documents still outstanding: the campaign's progress says how many,
    and why the last attempt failed."""
    order = Order.of(job.payload)
    left = len(outstanding(db, int(job.campaign_id or 0), order))
    label = KINDS[order.kind].label.lower()
    job.last_error = (
        f"Đã dừng sau {job.attempts} lần thử: còn {left}/{len(order.targets)} đơn vị chưa có "
        f"{label}. Lỗi lần cuối: {job.last_error}"
    )[:4000]
