"""Draft and issue official documents; issuing takes the register number in the same transaction."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import jobs
from service.commands import archive as archive_commands
from service.commands import checks, working_days
from service.commands import lifecycle as lifecycle_commands
from service.commands.caller import Caller
from service.commands.campaigns import ensure_open, get_campaign
from service.commands.numbering import take_number
from service.documents import context as contexts
from service.documents.store import active_template
from service.errors import Conflict, Invalid, NotFound
from service.models import Campaign, Document, Target, Visit
from service.queries.facts import campaign_facts
from service.timeutil import utcnow
from workflows import calendar, formatting, lifecycle
from workflows.documents import KINDS, series_for
from workflows.vocabulary import DocumentStatus, JobKind, VisitStatus

TEAM_CODE = "ĐKT"
ISSUING_ACTION = {"KH": "issue_plan", "QD": "decide_team", "BC": "issue_report"}


def get_document(db: Session, doc_id: int) -> Document:
    doc = db.get(Document, doc_id)
    if doc is None:
        raise NotFound("văn bản", doc_id)
    return doc


def issued_plan(db: Session, campaign_id: int) -> Document | None:
    return db.scalar(
        select(Document)
        .where(
            Document.campaign_id == campaign_id,
            Document.kind == "KH",
            Document.status == DocumentStatus.ISSUED,
        )
        .order_by(Document.version.desc())
        .limit(1)
    )


def _subject(
    db: Session, campaign: Campaign, kind: str, target_id: int | None, visit_id: int | None
) -> tuple[str, int | None, int | None]:
    per = KINDS[kind].per
    if per == "visit":
        visit = db.get(Visit, visit_id) if visit_id else None
        if visit is None or visit.target.campaign_id != campaign.id:
            raise Invalid({"visit_id": "Chọn cuộc kiểm tra thuộc kế hoạch này"})
        problems = lifecycle.visit_minutes_problems(
            lifecycle.VisitFacts(visit.target.office.name, VisitStatus(visit.status))
        )
        if problems:
            raise Conflict(problems)
        return f"v{visit.id}", visit.target_id, visit.id
    if target_id is not None:
        if per != "target":
            raise Invalid({"target_id": "Loại văn bản này không lập theo từng đơn vị"})
        target = db.get(Target, target_id)
        if target is None or target.campaign_id != campaign.id:
            raise Invalid({"target_id": "Đơn vị không thuộc kế hoạch này"})
        return f"t{target_id}", target_id, None
    return "", None, None


def _context_key(doc: Document) -> str:
    blob = json.dumps(doc.context, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _enqueue_render(db: Session, doc: Document) -> None:
    """One render per status, data and template: a replaced template re-renders the draft."""
    template = doc.template_id or "shipped"
    jobs.enqueue_for(db, JobKind.RENDER, doc, f"{doc.status}:{_context_key(doc)}:t{template}")


def draft(
    db: Session,
    caller: Caller,
    campaign_id: int,
    kind: str,
    target_id: int | None = None,
    visit_id: int | None = None,
) -> Document:
    """Create (or refresh) the draft of a document and have it rendered, marked DỰ THẢO."""
    campaign = get_campaign(db, campaign_id)
    caller.require("document.draft", campaign)
    ensure_open(campaign)
    if kind not in KINDS:
        raise Invalid({"kind": f"Loại văn bản phải là một trong: {', '.join(KINDS)}"})
    lifecycle_commands.lock(db, campaign)  # not while the same document is being issued
    subject_key, target_id, visit_id = _subject(db, campaign, kind, target_id, visit_id)
    versions = db.scalars(
        select(Document)
        .where(
            Document.campaign_id == campaign.id,
            Document.kind == kind,
            Document.subject_key == subject_key,
        )
        .order_by(Document.version.desc())
    ).all()
    doc = versions[0] if versions and versions[0].status == DocumentStatus.DRAFT else None
    if doc is None:
        doc = Document(
            campaign_id=campaign.id,
            kind=kind,
            subject_key=subject_key,
            target_id=target_id,
            visit_id=visit_id,
            version=(versions[0].version + 1) if versions else 1,
            status=DocumentStatus.DRAFT,
            issuer_id=campaign.issuer_id,
            year=campaign.year,
            created_by=caller.name,
        )
        db.add(doc)
    doc.code = _code(campaign, kind)
    doc.template_id, _ = active_template(db, kind)
    doc.context = contexts.build(campaign, doc, issued_plan(db, campaign.id))
    doc.title = _title(campaign, doc)
    db.flush()
    _enqueue_render(db, doc)
    return doc


def redraft(db: Session, caller: Caller, doc_id: int) -> Document:
    """Refresh a draft from the current data, or start the next version of an issued one."""
    doc = get_document(db, doc_id)
    return draft(db, caller, doc.campaign_id, doc.kind, doc.target_id, doc.visit_id)


def _code(campaign: Campaign, kind: str) -> str:
    spec = KINDS[kind]
    issuer_code = TEAM_CODE if spec.issued_by_team else campaign.issuer.code
    return formatting.document_code(spec.type_code, issuer_code)


def _title(campaign: Campaign, doc: Document) -> str:
    """The type and the subject as the register lists it: "Thông báo lịch kiểm tra công tác …"."""
    subject = " ".join(doc.context.get("subject_lines") or [campaign.title])
    return f"{KINDS[doc.kind].type_name.capitalize()} {subject[:1].lower()}{subject[1:]}"


def issue(db: Session, caller: Caller, doc_id: int, issue_date: date | None = None) -> Document:
    """Issue a draft: number and date from the register, the lifecycle step, the final render."""
    doc = get_document(db, doc_id)
    caller.require("document.issue", doc)
    return issue_draft(db, caller, doc, issue_date)


def check_dating(
    db: Session,
    caller: Caller,
    campaign: Campaign,
    kind: str,
    day: date,
    visit: Visit | None = None,
) -> None:
    """Invalid when a document of `kind` cannot be dated `day`: in the future, or before a
    document in force it cites (the plan, the decision, the minutes) or the visit it records."""
    cited = db.execute(
        select(Document.kind, Document.number, Document.code, Document.issue_date).where(
            Document.campaign_id == campaign.id,
            Document.kind.in_(calendar.CITES.get(kind, ())),
            Document.status == DocumentStatus.ISSUED,
        )
    ).all()
    dates = [
        (issued, f"{KINDS[k].label} số {formatting.reference(number, code)}")
        for k, number, code, issued in cited
        if issued is not None and number is not None
    ]
    if visit is not None:
        office = visit.target.office.name
        dates.append((visit.scheduled_start.date(), f"cuộc kiểm tra tại {office}"))
    problem = calendar.dating_problem(day, caller.today(), dates)
    if problem:
        raise Invalid({"issue_date": problem})


def draft_and_issue(
    db: Session,
    caller: Caller,
    campaign: Campaign,
    kind: str,
    issue_date: date | None,
    target_id: int | None = None,
) -> Document:
    """A lifecycle step that issues its document (the plan, the decision, a notice, the report)."""
    return issue_draft(
        db, caller, draft(db, caller, campaign.id, kind, target_id=target_id), issue_date
    )


def issue_draft(
    db: Session, caller: Caller, doc: Document, issue_date: date | None = None
) -> Document:
    """Issue `doc`, once the caller's right to issue it has been checked."""
    checks.issue_date(issue_date, caller.today())
    campaign = db.get(Campaign, doc.campaign_id)
    assert campaign is not None
    # Before the status check and the register: a second request for this draft waits here,
    # then finds it issued; and every issuer takes the campaign before the register.
    lifecycle_commands.lock(db, campaign)
    ensure_open(campaign)
    if doc.status != DocumentStatus.DRAFT:
        status = DocumentStatus.label_of(doc.status)
        raise Conflict([f"Văn bản đã ở trạng thái «{status}», chỉ dự thảo mới được ban hành"])
    previous = db.scalars(
        select(Document).where(
            Document.campaign_id == doc.campaign_id,
            Document.kind == doc.kind,
            Document.subject_key == doc.subject_key,
            Document.status == DocumentStatus.ISSUED,
        )
    ).all()
    action = ISSUING_ACTION.get(doc.kind)
    if not previous and action:
        problems = lifecycle.problems_for(action, campaign_facts(db, campaign))
        if problems:
            raise Conflict(problems)
    elif not lifecycle.stage_reached(lifecycle.Stage(campaign.stage), lifecycle.Stage.PLAN_ISSUED):
        raise Conflict(["Chưa ban hành kế hoạch kiểm tra"])

    visit = db.get(Visit, doc.visit_id) if doc.visit_id else None
    # Minutes are dated the day of their visit unless told otherwise.
    day = issue_date or (visit.scheduled_start.date() if visit else caller.today())
    check_dating(db, caller, campaign, doc.kind, day, visit)
    if doc.kind == "TB" and doc.target_id is not None:  # no notice of an unconfirmed day off
        target = db.get(Target, doc.target_id)  # not a scan of every target, once per notice
        working_days.require_confirmed(db, [target.visit] if target and target.visit else [], False)
    spec = KINDS[doc.kind]
    series = series_for(spec, campaign.issuer.series_plan)
    doc.register_id, doc.number = take_number(db, campaign.issuer_id, day.year, series, doc.code)
    doc.year = day.year
    doc.issue_date = day
    doc.status = DocumentStatus.ISSUED
    doc.issued_by = caller.name
    doc.issued_at = utcnow()
    for old in previous:
        old.status = DocumentStatus.SUPERSEDED
    doc.context = contexts.build(campaign, doc, issued_plan(db, campaign.id))
    # The draft's files and its pending render and convert are not the issued document's:
    # without them only the issued render runs, and no draft DOCX stays filed as the issued one.
    doc.files.clear()
    jobs.withdraw(db, JobKind.RENDER, doc.id)
    jobs.withdraw(db, JobKind.CONVERT, doc.id)
    db.flush()
    if action and not previous:
        lifecycle_commands.apply(db, campaign, action, caller.name)
    elif spec.advances:  # reading every target's facts per notice made issuing them quadratic
        lifecycle_commands.advance(db, campaign, caller.name)
    _enqueue_render(db, doc)
    if doc.kind == "BC":
        archive_commands.request_build(db, caller, campaign.id)
    return doc
