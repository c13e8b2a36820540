"""`vanthu demo`: the whole Lạng Sơn 2023 campaign through real worker processes, files to DIR."""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from service.commands import actions, documents, issuing, signing, visits
from service.commands.caller import Caller
from service.config import Config
from service.database import transaction
from service.documents.store import file_of
from service.mail.transport import transport_for
from service.models import Campaign, Dispatch, Document, Job, Signature, Target
from service.seed.load import load_demo
from service.signing.appearance import signature_image
from service.signing.keys import KeySource, signer_for
from service.signing.pdf import sign as sign_pdf
from service.signing.pki import DemoPki, Identity
from service.signing.toolkit import Toolkit
from workflows import calendar, titles
from workflows.documents import FILING_ORDER, KINDS
from workflows.signing import Party
from workflows.vocabulary import (
    DispatchState,
    DocumentStatus,
    JobKind,
    JobState,
    SignatureState,
    TeamRole,
)

PLAN_DAY = date(2023, 4, 5)
TEAM_DAY = date(2023, 4, 10)
NOTICE_DAY = date(2023, 8, 21)
FIRST_VISIT = datetime(2023, 9, 5, 8, 0)  # the plan leaves the days to the notices
REPORT_DAY = date(2023, 11, 20)


# Illustrative names of the inspected offices' heads.
REPRESENTATIVES = ("Hoàng Văn Minh", "Lăng Thị Hà", "Nông Văn Bình", "Triệu Thị Mai", "Lộc Văn Sơn")
# And of the chosen communes' Ban Chỉ đạo 138, whose head attends (the plan's "Thành phần").
COMMUNE_REPRESENTATIVES = ("Hà Văn Tùng", "Chu Thị Nga", "Vy Văn Thành")
COMMUNE_POSITION = "Trưởng ban"


class DemoFailed(RuntimeError):
    """A step of the demo did not complete; the message says which and why."""


@dataclass(frozen=True)
class Written:
    reference: str
    kind: str
    title: str
    docx: str
    pdf: str
    sha256: str


def example_statistics(index: int) -> dict[str, int]:
    """Plausible figures of the demo programme's indicators for the index-th district (valid for
    them: tests/test_statistics.py checks)."""
    workers = 40 + 7 * index
    return {
        "businesses": 12 + index,
        "workers": workers,
        "workers_male": workers // 3,
        "workers_female": workers - workers // 3,
        "workers_migrant": index + 2,
        "workers_contract": workers - 5,
        "workers_no_contract": 5,
        "hotspots": index % 3,
        "sex_workers": index % 4,
        "sex_workers_reintegrated": index % 2 if index % 4 else 0,
        "brokers": index % 2,
        "businesses_inspected": 6 + index % 5,
        "businesses_violating": index % 3,
    }


def visit_start(index: int) -> datetime:
    """When the index-th demo visit starts: two a working day from FIRST_VISIT, at 08:00 and
    14:00, weekends and public holidays skipped as an office would."""
    days = calendar.working_days(FIRST_VISIT.date())
    day = next(itertools.islice(days, index // 2, None))
    return datetime.combine(day, FIRST_VISIT.time()) + timedelta(hours=6 * (index % 2))


def drive_campaign(campaign_id: int, caller: Caller | None = None) -> None:
    """Every lifecycle step of the campaign, as staff would take them."""
    caller = caller or Caller.system()
    with transaction() as db:
        actions.perform(db, caller, campaign_id, "issue_plan", actions.Step(PLAN_DAY))
        actions.perform(db, caller, campaign_id, "decide_team", actions.Step(TEAM_DAY))
    with transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for i, target in enumerate(campaign.targets):
            start = visit_start(i)
            visits.schedule(
                db,
                caller,
                campaign_id,
                target.id,
                start,
                start + timedelta(hours=3, minutes=30),
                f"Trụ sở {target.office.name}",
            )
        actions.perform(db, caller, campaign_id, "schedule_visits", actions.Step(NOTICE_DAY))
    issuing.complete(campaign_id)  # as staff wait for the notices before the visits
    with transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        for i, target in enumerate(campaign.targets):
            visit = target.visit
            assert visit is not None
            visits.record(db, caller, visit.id, _visit_data(i, target))
            minutes = documents.draft(db, caller, campaign_id, "BB", visit_id=visit.id)
            documents.issue(db, caller, minutes.id)  # dated the day of its visit
        last = max(0, len(campaign.targets) - 1)
        actions.perform(db, caller, campaign_id, "issue_report", actions.Step(report_day(last)))


def report_day(last_visit: int) -> date:
    """The report's date: the demo's, or the first working day after the last visit of a
    larger campaign (a report never comes before the minutes it sums up)."""
    after = visit_start(last_visit).date() + timedelta(days=1)
    return max(REPORT_DAY, next(calendar.working_days(after)))


def _visit_data(index: int, target: Target) -> dict[str, object]:
    """A held visit: who attended by name on both sides, the figures and the findings."""
    office = target.office.name
    representative = REPRESENTATIVES[index % len(REPRESENTATIVES)]
    commune_head = COMMUNE_REPRESENTATIVES[index % len(COMMUNE_REPRESENTATIVES)]
    commune = [
        f"{_honorific(commune_head)} {commune_head}, {titles.position_at(COMMUNE_POSITION, c.name)}"
        for c in [target.commune]
        if c
    ]
    return {
        # Every member of the team the decision names (a hand-typed list here once left one out).
        "team_attendees": [
            f"{_honorific(m.person.full_name)} {m.person.full_name}, {m.person.position}, "
            + TeamRole.label_of(m.role)
            for m in target.campaign.members
        ],
        "unit_attendees": [
            f"{_honorific(representative)} {representative}, "
            + titles.position_at("Trưởng phòng", office),
            f"Bà Lý Thị Thu, công chức {office}",
            *commune,
        ],
        "statistics": example_statistics(index),
        "findings": {
            "1": "Đơn vị đã ban hành kế hoạch thực hiện Chương trình năm 2023.",
            "3": "Chấp hành chế độ báo cáo định kỳ; một số số liệu chưa cập nhật.",
        },
        "unit_comments": "Đơn vị thống nhất với nội dung biên bản.",
        "unit_representative": representative,
        "unit_representative_position": "Trưởng phòng",
        "commune_representative": commune_head if target.commune else "",
        "commune_representative_position": COMMUNE_POSITION if target.commune else "",
    }


def _honorific(name: str) -> str:
    """How the demo's attendee lines address its illustrative people."""
    return "Bà" if " Thị " in name else "Ông"


def finish(campaign_id: int, config: Config, timeout: float) -> None:
    """Every job of the driven campaign through, its documents signed on the way when signing
    is on (the case file waits for them meanwhile)."""
    if config.signing_on:
        settle = functools.partial(wait_for_jobs, campaign_id, timeout, JobKind.ARCHIVE)
        settle()
        sign_documents(campaign_id, config, settle)
    wait_for_jobs(campaign_id, timeout)
    click.echo(mail_summary(campaign_id))


def wait_for_jobs(campaign_id: int, timeout: float, but: str = "") -> None:
    """Until every job of the campaign (but those of kind `but`) is done; DemoFailed names any
    that failed or stalled."""
    deadline = time.monotonic() + timeout
    while True:
        with transaction() as db:
            query = select(Job).where(Job.campaign_id == campaign_id, Job.kind != but)
            rows = db.scalars(query).all()
            failed = [j for j in rows if j.state == JobState.FAILED]
            pending = [j for j in rows if j.state not in (JobState.DONE, JobState.FAILED)]
        if failed:
            raise DemoFailed(
                "; ".join(f"công việc {j.kind} #{j.id} thất bại: {j.last_error}" for j in failed)
            )
        if not pending:  # send jobs included: every e-mail has been sent or has failed
            return
        if time.monotonic() > deadline:
            raise DemoFailed(f"{len(pending)} công việc chưa xong sau {timeout:.0f} giây")
        time.sleep(0.2)


def sign_documents(campaign_id: int, config: Config, settle: Callable[[], object]) -> int:
    """Apply every signature as its signatories would, step by step, until all are on; each
    inspected unit signs its minutes with its own (demo) key and tool, and uploads the result.
    `settle` waits for the workers (or runs the jobs) between steps. Returns how many
    signatures were applied."""
    toolkit, applied = Toolkit.from_config(config), 0
    while True:
        with transaction() as db:
            due = [
                (row.document_id, row.step, row.party)
                for row in db.scalars(
                    select(Signature)
                    .join(Document, Document.id == Signature.document_id)
                    .where(
                        Document.campaign_id == campaign_id,
                        Signature.state != SignatureState.SIGNED,
                    )
                    .order_by(Signature.document_id, Signature.step)
                )
            ]
        if not due:
            return applied
        firsts = {doc_id: (step, party) for doc_id, step, party in reversed(due)}
        for doc_id, (step, party) in firsts.items():
            with transaction() as db:
                if party == Party.UNIT:
                    _sign_as_unit(db, doc_id, step, toolkit, config)
                else:
                    signing.request(db, Caller.system(), doc_id, step)
            applied += 1
        settle()


def _sign_as_unit(db: Session, doc_id: int, step: int, toolkit: Toolkit, config: Config) -> None:
    """The inspected unit's representative: download with the one-time link, sign with their
    own key in their own tool, upload."""
    links = signing.create_links(db, Caller.system(), doc_id, step)
    row, pdf = signing.download_for_signing(db, links.download_token)
    key = f"unit-{doc_id}"
    target = db.get(Target, row.document.target_id) if row.document.target_id else None
    office = target.office.name if target else ""
    pki = DemoPki.ensure(config.signing_dir, "", [Identity(key, row.name, office)], "")
    signer = signer_for(
        KeySource(kind="pkcs12", folder=pki.keys_folder, passphrase=pki.passphrase), key
    )
    at = datetime.now(toolkit.zone).replace(microsecond=0)
    signed = sign_pdf(
        pdf,
        row.field,
        signer,
        signature_image(row.name),
        "",  # a person's signature shows the image alone
        timestamper=toolkit.timestamper,
        validation=None,
        signing_time=at,
    )
    signing.accept_upload(db, links.upload_token, signed.pdf, toolkit)


def mail_summary(campaign_id: int) -> str:
    """How many e-mails went out, to how many addresses, through which transport."""
    with transaction() as db:
        counts = {
            state: number
            for state, number in db.execute(
                select(Dispatch.state, func.count())
                .where(Dispatch.campaign_id == campaign_id)
                .group_by(Dispatch.state)
            ).tuples()
        }
        addresses = db.scalar(
            select(func.count(distinct(Dispatch.address))).where(
                Dispatch.campaign_id == campaign_id, Dispatch.state == DispatchState.SENT
            )
        )
    where = transport_for(Config()).describe()
    return (
        f"Thư điện tử: {counts.get(DispatchState.SENT, 0)} thư đã gửi tới {addresses} địa chỉ "
        f"qua {where}; {counts.get(DispatchState.FAILED, 0)} thư lỗi"
    )


def write_files(campaign_id: int, out: Path) -> list[Written]:
    """Every issued DOCX with its PDF (the signed one, once signed) beside it under the same
    name, in filing order."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with transaction() as db:
        docs = db.scalars(
            select(Document).where(
                Document.campaign_id == campaign_id, Document.status == DocumentStatus.ISSUED
            )
        ).all()
        docs = sorted(docs, key=lambda d: (FILING_ORDER.index(d.kind), d.issue_date, d.id))
        for doc in docs:
            docx = file_of(doc, "docx")
            pdf = signing.fully_signed(db, doc) or file_of(doc, "pdf")
            if docx is None:
                raise DemoFailed(f"văn bản {doc.reference} chưa có bản DOCX")
            stem = f"{doc.reference.replace('/', '-')} {KINDS[doc.kind].label}"
            if doc.target_id:
                target = db.get(Target, doc.target_id)
                stem += f" - {target.office.district}" if target else ""
            (out / f"{stem}.docx").write_bytes(docx.content)
            pdf_name = ""
            if pdf is not None:
                pdf_name = f"{stem}.pdf"
                (out / pdf_name).write_bytes(pdf.content)
            written.append(
                Written(doc.reference, doc.kind, doc.title, f"{stem}.docx", pdf_name, docx.sha256)
            )
    return written


def prepare_campaign() -> int:
    with transaction() as db:
        return load_demo(db, new_campaign=True).id
