"""Register numbers under concurrency: unique and gapless per register, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.commands import campaigns, documents
from service.commands.numbering import take_number
from service.database import session, transaction
from service.models import Campaign, Document, Organisation, Register
from service.seed.load import load_demo
from tests.auth_helper import SYSTEM

THREADS = 8
PER_THREAD = 6


def test_take_number_is_gapless_under_concurrency(db: Session) -> None:
    with transaction() as tx:
        org = Organisation(kind="issuer", name="Sở", code="S")
        tx.add(org)
    taken: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(PER_THREAD):
                with transaction() as tx:
                    taken.append(take_number(tx, org.id, 2024, "shared")[1])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            session.remove()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(taken) == list(range(1, THREADS * PER_THREAD + 1))


def test_a_rolled_back_issue_leaves_no_gap(db: Session) -> None:
    with transaction() as tx:
        org = Organisation(kind="issuer", name="Sở", code="S")
        tx.add(org)
    try:
        with transaction() as tx:
            take_number(tx, org.id, 2024, "shared")
            raise RuntimeError("rendering failed before commit")
    except RuntimeError:
        pass
    with transaction() as tx:
        assert take_number(tx, org.id, 2024, "shared")[1] == 1


def test_numbers_restart_each_year_and_series_are_separate(db: Session) -> None:
    with transaction() as tx:
        org = Organisation(kind="issuer", name="Sở", code="S")
        tx.add(org)
        tx.flush()
        assert take_number(tx, org.id, 2023, "shared")[1] == 1
        assert take_number(tx, org.id, 2023, "shared")[1] == 2
        assert take_number(tx, org.id, 2024, "shared")[1] == 1
        assert take_number(tx, org.id, 2023, "team")[1] == 1
    assert len(session().scalars(select(Register)).all()) == 3


def test_concurrent_issuing_of_documents(db: Session) -> None:
    """Many notices issued at once from many sessions: each gets its own number, none missing."""
    with transaction() as tx:
        campaign = load_demo(tx)
        documents.issue(
            tx, SYSTEM, documents.draft(tx, SYSTEM, campaign.id, "KH").id, date(2023, 4, 5)
        )
        for i in range(30):
            office = Organisation(kind="district_office", name=f"Phòng {i}", code=f"P{i}")
            tx.add(office)
            tx.flush()
            campaign.stage = "plan_drafted"  # targets may only be added before scheduling
            campaigns.add_target(tx, SYSTEM, campaign.id, office.id, None)
            campaign.stage = "plan_issued"
        campaign_id = campaign.id
        drafts = [
            documents.draft(tx, SYSTEM, campaign.id, "TB", target_id=t.id).id
            for t in campaign.targets
        ]
    errors: list[BaseException] = []

    def work(ids: list[int]) -> None:
        try:
            for doc_id in ids:
                with transaction() as tx:
                    documents.issue(tx, SYSTEM, doc_id, date(2023, 8, 1))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            session.remove()

    chunks = [drafts[i::THREADS] for i in range(THREADS)]
    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = (
        session()
        .scalars(
            select(Document.number).where(
                Document.campaign_id == campaign_id, Document.status == "issued"
            )
        )
        .all()
    )
    assert sorted(numbers) == list(range(1, len(drafts) + 2))
    assert session().get(Campaign, campaign_id) is not None
