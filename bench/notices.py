"""Notices: every schedule notice of an N-target campaign issued, rendered, converted, mailed.

On the embedded default whatever backend the other stages use (SQLite, the file-system broker,
the outbox folder), with the worker and beat processes `vanthu run` starts. The campaign is the
synthetic one (`service.seed.synthetic`); its plan and team decision are issued and its visits
scheduled before the clock starts, and their jobs are left to finish first. The clock runs from
the `schedule_visits` action to the last notice's last e-mail in the outbox: the action may issue
every notice itself or leave it to a job, the bench waits until every notice has its PDF and
every e-mail it sends is sent either way.

Where the time goes comes from the workers' own timings (`bench.timed_worker`): per job kind the
summed handler time, the claim and record around it, and the broker wait (from when the job was
due, or the issuing committed if later, to when a worker took its message).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.env import Backend, BenchError, child_env, children, failures
from bench.memory import tree_cpu_s
from bench.timed_worker import TIMINGS
from service import jobs, processes
from service.commands import actions, visits
from service.commands.caller import Caller
from service.config import Config
from service.database import transaction
from service.demo import NOTICE_DAY, PLAN_DAY, TEAM_DAY, visit_start
from service.models import Dispatch, Document, DocumentFile, Job
from service.seed.synthetic import synthetic_campaign
from service.timeutil import utcnow
from workflows.vocabulary import DispatchState, DocumentStatus, JobState

NOTICE = "TB"
TIMEOUT_PER_NOTICE = 3.0
POLL = 0.5


def timed(command: list[str]) -> list[str]:
    """The same worker command, run through the module that times every job."""
    return ["bench.timed_worker" if part == "workers.celery_app" else part for part in command]


def background(config: Config, threads: int | None = None) -> dict[str, list[str]]:
    """The worker and beat processes of `vanthu run`, the worker timed (and with `threads`
    instead of its own number of threads, to compare)."""
    commands = {"worker": timed(processes.worker_command(concurrency=threads))}
    commands["beat"] = processes.beat_command(str(config.var_dir / "beat-schedule"))
    return commands


def prepare(targets: int) -> int:
    """A synthetic campaign with its plan and team issued and every visit scheduled: its id."""
    caller = Caller.system()
    with transaction() as db:
        campaign = synthetic_campaign(db, targets)
        actions.perform(db, caller, campaign.id, "issue_plan", actions.Step(PLAN_DAY))
        actions.perform(db, caller, campaign.id, "decide_team", actions.Step(TEAM_DAY))
        for i, target in enumerate(campaign.targets):
            start = visit_start(i)
            end = start + timedelta(hours=3, minutes=30)
            visits.schedule(
                db, caller, campaign.id, target.id, start, end, f"Trụ sở {target.office.name}"
            )
        return campaign.id


def pending_jobs(campaign_id: int) -> dict[str, int]:
    """The campaign's jobs not done, by state; BenchError if any failed."""
    with transaction() as db:
        states = {
            state: int(n)
            for state, n in db.execute(
                select(Job.state, func.count())
                .where(Job.campaign_id == campaign_id, Job.state != JobState.DONE)
                .group_by(Job.state)
            )
        }
    if states.get(JobState.FAILED):
        raise BenchError(f"jobs failed: {states} ({failures(campaign_id)})")
    return states


def progress(campaign_id: int) -> dict[str, int]:
    """Notices issued, those with a PDF, e-mails of notices sent and not yet sent."""
    notice = (Document.campaign_id == campaign_id) & (Document.kind == NOTICE)
    issued = notice & (Document.status == DocumentStatus.ISSUED)
    with transaction() as db:
        mails = {
            bool(sent): int(n)
            for sent, n in db.execute(
                select(Dispatch.state == DispatchState.SENT, func.count())
                .join(Document, Document.id == Dispatch.document_id)
                .where(issued)
                .group_by(Dispatch.state == DispatchState.SENT)
            )
        }
        return {
            "issued": db.scalar(select(func.count()).select_from(Document).where(issued)) or 0,
            "with_pdf": db.scalar(
                select(func.count())
                .select_from(DocumentFile)
                .join(Document, Document.id == DocumentFile.document_id)
                .where(issued, DocumentFile.format == "pdf")
            )
            or 0,
            "mailed": db.scalar(
                select(func.count(func.distinct(Dispatch.document_id)))
                .join(Document, Document.id == Dispatch.document_id)
                .where(issued, Dispatch.state == DispatchState.SENT)
            )
            or 0,
            "sent": mails.get(True, 0),
            "unsent": mails.get(False, 0),
        }


def wait_done(campaign_id: int, targets: int, timeout: float) -> dict[str, int]:
    """Until every notice has its PDF, a sent e-mail and nothing left to send, and no job of the
    campaign is left to run."""
    deadline = time.monotonic() + timeout
    while True:
        pending, done = pending_jobs(campaign_id), progress(campaign_id)
        complete = done["with_pdf"] == done["mailed"] == targets and not done["unsent"]
        if complete and not pending:
            return done
        if time.monotonic() > deadline:
            raise BenchError(f"notices not done after {timeout:.0f} s: {done}, jobs {pending}")
        time.sleep(POLL)


def notice_jobs(campaign_id: int, since: datetime) -> dict[int, Job]:
    """Every job about a notice, and every other job of the campaign made since `since`."""
    with transaction() as db:
        rows = db.scalars(
            select(Job)
            .outerjoin(Document, Document.id == Job.document_id)
            .where(
                Job.campaign_id == campaign_id,
                (Document.kind == NOTICE) | (Job.document_id.is_(None) & (Job.created_at >= since)),
            )
        ).all()
        return {job.id: job for job in rows}


def read_timings(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


def where_time_goes(
    runs: Iterable[dict[str, Any]], found: dict[int, Job], committed: float
) -> dict[str, dict[str, Any]]:
    """Per job kind: jobs, runs (a skipped one lost its claim: a duplicate doorbell), summed
    handler time, summed claim-and-record time, broker wait (due, or committed if later, to the
    task's start)."""
    figures: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    waits: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        job = found.get(int(run["job"]))
        if job is None:
            continue
        row = figures[job.kind]
        row["runs"] += 1
        row[str(run["outcome"])] += 1
        if "handler_start" not in run:
            continue
        handler = run["handler_end"] - run["handler_start"]
        row["handler_s"] += handler
        row["claim_record_s"] += run["end"] - run["start"] - handler
        waits[job.kind].append(max(0.0, run["start"] - max(_epoch(job.run_after), committed)))
    result = {}
    for kind, row in sorted(figures.items()):
        done = waits[kind]
        result[kind] = {
            "queue": jobs.QUEUES.get(kind, ""),
            "jobs": sum(1 for job in found.values() if job.kind == kind),
            "runs": int(row["runs"]),
            "skipped": int(row["skipped"]),
            "handler_s": round(row["handler_s"], 2),
            "handler_ms_mean": round(1000 * row["handler_s"] / max(1, len(done)), 1),
            "claim_record_s": round(row["claim_record_s"], 2),
            "broker_wait_s": round(sum(done), 2),
            "broker_wait_ms_mean": round(1000 * sum(done) / max(1, len(done)), 1),
            "broker_wait_ms_max": round(1000 * max(done, default=0.0), 1),
        }
    return result


def measure(backend: Backend, targets: int, threads: int | None = None) -> dict[str, Any]:
    """One campaign of `targets` targets on the embedded default, its notices timed."""
    embedded = Backend(backend.root)  # the issue's figure is for the embedded default
    with embedded.stage(f"notices-{targets}") as config:
        commands = background(config, threads)
        with children(commands, child_env(config), config.var_dir / "logs") as group:
            group.wait_for_log(["worker"], " ready.")
            campaign_id = prepare(targets)
            wait_jobs_done(campaign_id, timeout=120)
            worker = group.procs["worker"].pid
            cpu, load = tree_cpu_s(worker), os.getloadavg()[0]
            started, since = time.time(), utcnow()
            with transaction() as db:
                actions.perform(
                    db, Caller.system(), campaign_id, "schedule_visits", actions.Step(NOTICE_DAY)
                )
            answered = time.time()
            done = wait_done(campaign_id, targets, 60 + TIMEOUT_PER_NOTICE * targets)
            cpu, load = tree_cpu_s(worker) - cpu, max(load, os.getloadavg()[0])
        found = notice_jobs(campaign_id, since)
        finished = [job.finished_at for job in found.values() if job.finished_at]
        if not finished:
            raise BenchError("no job of the notices finished")
        total = max(_epoch(moment) for moment in finished) - started
        by_kind = where_time_goes(read_timings(config.var_dir / TIMINGS), found, answered)
        with transaction() as db:
            last_issued = db.scalar(
                select(func.max(Document.issued_at)).where(
                    Document.campaign_id == campaign_id, Document.kind == NOTICE
                )
            )
    command = commands["worker"]
    return {
        "backend": embedded.name,
        "targets": targets,
        "notices": done["issued"],
        "emails": done["sent"],
        "action_s": round(answered - started, 2),
        "issued_s": round(_epoch(last_issued) - started, 2) if last_issued else None,
        "total_s": round(total, 2),
        "notices_per_s": round(done["issued"] / total, 3),
        "worker_cpu_s": round(cpu, 1),
        "worker_cpu_ms_per_notice": round(1000 * cpu / max(1, done["issued"]), 1),
        "load_average": round(load, 2),
        "by_kind": by_kind,
        "worker": " ".join(command[command.index("worker") :]),
        "cores": os.cpu_count(),
    }


def wait_jobs_done(campaign_id: int, timeout: float) -> None:
    """Until every job of the campaign so far (the plan's, the decision's) is done."""
    deadline = time.monotonic() + timeout
    while pending_jobs(campaign_id):
        if time.monotonic() > deadline:
            raise BenchError(f"the campaign's first jobs not done after {timeout:.0f} s")
        time.sleep(POLL)


def rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """The table rows of `figures` (bench.__main__ prints them with the other stages')."""
    head = (
        f"notices {figures['targets']} targets: issued, PDF, mailed",
        f"{figures['total_s']} s, {figures['notices_per_s']} notices/s",
        f"all issued {figures['issued_s']} s",
        f"{figures['emails']} mails",
        f"worker CPU {figures['worker_cpu_ms_per_notice']} ms/notice",
    )
    return [
        head,
        *(
            (
                f"  {kind} ({q['queue']} queue): {q['jobs']} jobs, {q['skipped']} runs skipped",
                f"handler {q['handler_s']} s ({q['handler_ms_mean']} ms)",
                f"claim+record {q['claim_record_s']} s",
                f"broker wait {q['broker_wait_s']} s",
                f"({q['broker_wait_ms_mean']} ms, max {q['broker_wait_ms_max']} ms)",
            )
            for kind, q in figures["by_kind"].items()
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    """`python -m bench.notices [--targets N] [--threads N]`: this stage alone, its figures as
    JSON and table rows."""
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m bench.notices", description=__doc__)
    parser.add_argument("--targets", type=int, default=700)
    parser.add_argument("--threads", type=int, help="worker threads (default: as shipped)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vanthu-bench-") as root:
        figures = measure(Backend(Path(root)), args.targets, args.threads)
    json.dump(figures, sys.stdout, indent=2, ensure_ascii=False)
    print()
    for row in rows(figures):
        print("  ".join(row).rstrip())


if __name__ == "__main__":
    main()
