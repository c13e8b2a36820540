"""Two web processes and two workers issue 500 documents at once on PostgreSQL.

Client threads, each request going to one of two gunicorn processes in turn, draft and issue a
large synthetic campaign's documents through the public API while two Celery workers render and
convert them. Every register must stay unique and gapless, every document be issued once and get
its DOCX and PDF, and no job fail. The figures are printed with `-s`; no timing is asserted.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.chaos import issued_numbers, missing_files, private_redis
from bench.env import call, children, free_port, wait_http
from service import processes
from service.app import create_app
from service.config import Config
from service.database import session, transaction
from service.demo import (
    FIRST_VISIT,
    NOTICE_DAY,
    PLAN_DAY,
    REPORT_DAY,
    TEAM_DAY,
    example_statistics,
)
from service.documents.libreoffice import libreoffice_available
from service.models import Document, Job, LifecycleEvent, Register, Target
from service.seed.synthetic import synthetic_campaign
from tests.auth_helper import bearer
from tests.chaos import assert_consistent, settle, worker_env
from tests.conftest import need

pytestmark = pytest.mark.slow

# KH, QĐ; a notice per target issued on its own; the announcement's notices; a minutes per visit;
# BC: 3 * TARGETS + 3 = 501 numbers, 2 * TARGETS of them taken by concurrent issue requests.
TARGETS = 166
CLIENTS = 12
WEB_WORKERS = 2  # gunicorn sync workers per web process
ATTEMPTS = 5  # per request, for a 409 the database raised (a write raced another), not a rule
TWICE_EVERY = 3  # every third draft is issued by two requests at once, one per web process
SETTLE_DEADLINE = 1800.0
LIFECYCLE = [
    "issue_plan",
    "decide_team",
    "schedule_visits",
    "complete_visits",
    "complete_minutes",
    "issue_report",
]


class ApiError(AssertionError):
    """An answer the run did not expect: the method, path, port, status and body."""


@dataclass
class Api:
    """What the client threads share: whose turn each web process is, and what they got."""

    ports: list[int]
    tokens: list[str]
    requests: int = 0
    retries: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    issued: dict[int, list[int]] = field(default_factory=dict)
    refused_twice: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, path: str, body: dict[str, Any], caller: int, port: int | None = None
    ) -> tuple[int, dict[str, Any], bytes]:
        """POST to `port` or the next web process in turn; a 409 without `problems` (the
        database refused a write that raced another) is tried again."""
        for _ in range(ATTEMPTS):
            with self.lock:
                at = port or self.ports[self.requests % len(self.ports)]
                self.requests += 1
            status, raw = call(at, "POST", path, body, self.tokens[caller % len(self.tokens)])
            answer = _json(raw)
            with self.lock:
                self.statuses[status] += 1
                if status == 409 and "problems" not in answer:
                    self.retries += 1
                    continue
            return status, answer, raw
        raise ApiError(f"POST {path}: still 409 after {ATTEMPTS} attempts")

    def post(self, path: str, body: dict[str, Any], caller: int = 0) -> dict[str, Any]:
        status, answer, raw = self.send(path, body, caller)
        if status >= 300:
            raise ApiError(f"POST {path}: {status} {raw[:600]!r}")
        return answer

    def issue(self, doc_id: int, issue_date: date, caller: int, twice: bool) -> None:
        """Issue a draft; `twice`: on both web processes at the same moment, as a double click
        would, when exactly one request may issue it and the other must be refused."""
        path = f"/api/v1/documents/{doc_id}/issue"
        body = {"issue_date": issue_date.isoformat()}
        if not twice:
            answers = [self.send(path, body, caller)]
        else:
            together = threading.Barrier(2)
            answers = []

            def one(port: int) -> None:
                together.wait()
                answers.append(self.send(path, body, caller, port))

            pair = [threading.Thread(target=one, args=(port,)) for port in self.ports]
            for thread in pair:
                thread.start()
            for thread in pair:
                thread.join()
        for status, answer, raw in answers:
            if status == 200 and answer.get("status") == "issued" and answer.get("number"):
                with self.lock:
                    self.issued.setdefault(doc_id, []).append(answer["number"])
            elif twice and status == 409 and "chỉ dự thảo" in str(answer.get("problems")):
                with self.lock:
                    self.refused_twice += 1
            else:
                raise ApiError(f"POST {path}: {status} {raw[:600]!r}")


def _json(raw: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(raw)
    except ValueError:  # gunicorn's own error pages are HTML
        return {}
    return answer if isinstance(answer, dict) else {}


def run_concurrently(tasks: list[Callable[[], None]]) -> list[str]:
    """Run every task on the client threads; what each failing one raised."""
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(task) for task in tasks]
    return [str(f.exception()) for f in futures if f.exception() is not None]


def _twice(index: int) -> bool:
    return index % TWICE_EVERY == 0


def visit_start(index: int) -> datetime:
    return FIRST_VISIT + timedelta(days=index // 4, hours=2 * (index % 4))


def visit_result(index: int) -> dict[str, Any]:
    return {
        "team_attendees": ["Ông Nguyễn Văn Giang, Phó Giám đốc Sở, Trưởng đoàn"],
        "unit_attendees": [f"Lãnh đạo đơn vị số {index + 1}"],
        "statistics": example_statistics(index),
        "findings": {"1": "Đơn vị đã ban hành kế hoạch thực hiện Chương trình năm 2023."},
        "unit_comments": "Đơn vị thống nhất với nội dung biên bản.",
    }


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_web_processes_and_two_workers_issue_500_documents(
    tmp_path: Path, database_url: str
) -> None:
    need(libreoffice_available() is not None, "LibreOffice is not installed")
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    with private_redis(tmp_path) as (redis_url, _restart):
        config = Config(var_dir=tmp_path / "var", database_url=database_url, broker_url=redis_url)
        create_app(config)
        with transaction() as db:
            campaign = synthetic_campaign(db, TARGETS)
            campaign_id = campaign.id
        with transaction() as db:
            target_ids = list(
                db.scalars(
                    select(Target.id).where(Target.campaign_id == campaign_id).order_by(Target.id)
                )
            )
        api = Api([free_port(), free_port()], [bearer("leader") for _ in range(4)])
        # The shipped lease and sweep: nothing is killed here, so no job should run twice.
        env = worker_env(config)
        commands = {
            **{
                f"web{i}": processes.web_command("127.0.0.1", port, workers=WEB_WORKERS)
                for i, port in enumerate(api.ports, start=1)
            },
            **{f"worker{i}": processes.worker_command(name=f"issuing{i}") for i in (1, 2)},
            "beat": processes.beat_command(str(tmp_path / "beat-schedule")),
        }
        with children(commands, env, tmp_path / "logs") as group:
            for port in api.ports:
                wait_http(port)
            group.wait_for_log(["worker1", "worker2"], " ready.")
            started = time.monotonic()
            base = f"/api/v1/campaigns/{campaign_id}"
            api.post(f"{base}/actions/issue_plan", {"issue_date": PLAN_DAY.isoformat()})
            api.post(f"{base}/actions/decide_team", {"issue_date": TEAM_DAY.isoformat()})
            visits: dict[int, int] = {}

            def notice(index: int, target_id: int) -> Callable[[], None]:
                def run() -> None:
                    start = visit_start(index)
                    visit = api.post(
                        f"{base}/visits",
                        {
                            "target_id": target_id,
                            "start": start.isoformat(),
                            "end": (start + timedelta(hours=1, minutes=30)).isoformat(),
                            "place": f"Trụ sở đơn vị số {index + 1}",
                            "confirm_non_working_days": True,  # weekends included
                        },
                        index,
                    )
                    visits[index] = visit["id"]
                    draft = api.post(
                        f"{base}/documents", {"kind": "TB", "target_id": target_id}, index
                    )
                    api.issue(draft["id"], NOTICE_DAY - timedelta(days=7), index, _twice(index))

                return run

            def minutes(index: int, visit_id: int) -> Callable[[], None]:
                def run() -> None:
                    api.post(f"/api/v1/visits/{visit_id}/result", visit_result(index), index)
                    draft = api.post(
                        f"{base}/documents", {"kind": "BB", "visit_id": visit_id}, index
                    )
                    api.issue(draft["id"], visit_start(index).date(), index, _twice(index))

                return run

            # Each target's visit scheduled and its notice drafted and issued, all at once; then
            # the announcement issues every notice anew (the first ones become superseded).
            errors = run_concurrently([notice(i, t) for i, t in enumerate(target_ids)])
            assert errors == [], f"{len(errors)} failed: {errors[:5]}"
            announced = time.monotonic()
            api.post(f"{base}/actions/schedule_visits", {"issue_date": NOTICE_DAY.isoformat()})
            announce_seconds = time.monotonic() - announced
            # Each visit's result recorded and its minutes drafted and issued, all at once.
            errors = run_concurrently([minutes(i, v) for i, v in sorted(visits.items())])
            assert errors == [], f"{len(errors)} failed: {errors[:5]}"
            api.post(f"{base}/actions/issue_report", {"issue_date": REPORT_DAY.isoformat()})
            issuing_seconds = time.monotonic() - started
            counts = settle(campaign_id, SETTLE_DEADLINE)
            wall_seconds = time.monotonic() - started

    numbers = issued_numbers(campaign_id)
    with transaction() as db:
        docs = db.scalars(select(Document).where(Document.campaign_id == campaign_id)).all()
        statuses = Counter(d.status for d in docs)
        by_id = {d.id: d.number for d in docs}
        last_numbers = dict(
            db.execute(
                select(Register.id, Register.last_number).where(Register.id.in_(list(numbers)))
            ).all()
        )
        events = list(
            db.scalars(
                select(LifecycleEvent.action)
                .where(LifecycleEvent.campaign_id == campaign_id)
                .order_by(LifecycleEvent.id)
            )
        )
        jobs = dict(
            db.execute(
                select(Job.kind, func.count())
                .where(Job.campaign_id == campaign_id)
                .group_by(Job.kind)
                .order_by(Job.kind)
            ).all()
        )
        repeated = dict(
            db.execute(
                select(Job.kind, func.count())
                .where(Job.campaign_id == campaign_id, Job.attempts > 1)
                .group_by(Job.kind)
            ).all()
        )
    total = sum(len(v) for v in numbers.values())
    print(
        f"\ndocuments issued: {total} ({statuses['issued']} issued, "
        f"{statuses['superseded']} superseded), {len(api.issued)} of them by concurrent issue "
        "requests; registers: "
        + ", ".join(f"#{r}: {len(v)} numbers, last {last_numbers[r]}" for r, v in numbers.items())
        + f"\nrequests: {api.requests} to 2 web processes x {WEB_WORKERS} gunicorn workers from "
        f"{CLIENTS} client threads; answers: {dict(sorted(api.statuses.items()))}; "
        f"409 retries: {api.retries}; second issue requests refused: {api.refused_twice}"
        f"\njobs: {jobs}, states: {counts}; run more than once: {repeated or 'none'}"
        f"\nwall time: {issuing_seconds:.0f} s issuing (announcement {announce_seconds:.0f} s), "
        f"{wall_seconds:.0f} s until every job settled"
    )
    assert set(counts) == {"done"}, counts
    # Unique and gapless per register, and each register's counter at its last number.
    for register_id, values in numbers.items():
        assert sorted(values) == list(range(1, len(values) + 1)), (register_id, sorted(values))
    assert last_numbers == {r: len(v) for r, v in numbers.items()}
    # Every document issued once: one successful answer each, carrying the number it kept.
    assert {doc_id: got for doc_id, got in api.issued.items() if len(got) != 1} == {}
    assert {i: (got, by_id[i]) for i, got in api.issued.items() if by_id[i] != got[0]} == {}
    assert api.refused_twice == 2 * sum(_twice(i) for i in range(TARGETS))
    assert len(api.issued) == 2 * TARGETS and total == 3 * TARGETS + 3
    assert statuses == {"issued": 2 * TARGETS + 3, "superseded": TARGETS}, statuses
    assert events == LIFECYCLE, events
    assert missing_files(campaign_id) == []
    assert_consistent()
    session.remove()
