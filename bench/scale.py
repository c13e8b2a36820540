"""Scale: a synthetic national campaign driven end to end through real workers, at two sizes.

`synthetic_campaign(db, n)` then `drive_campaign`: plan, team decision, n notices, n minutes, the
report; every issued document rendered, converted to PDF and e-mailed to a local SMTP server.
The driver runs in a child process of its own so that its peak memory is its own. The wall time
runs from the start of the drive to the last e-mail sent; the case-file build the report asks
for is left out (it waits for the documents with its own backoff) and reported apart.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bench.env import (
    Backend,
    BenchError,
    child_env,
    children,
    finished_span,
    job_states,
    peaks_json,
    smtp_server,
    wait_jobs,
)
from bench.memory import peak_mb
from service import processes
from service.config import Config
from service.database import transaction
from service.models import Document, Job

DOCUMENT_JOBS = ("render", "convert", "send")
TIMEOUT_PER_TARGET = 6.0


def drive(config: Config, targets: int) -> dict[str, Any]:
    """In a child process: seed the campaign, drive it; timings and this process's peak memory."""
    from service.app import create_app
    from service.demo import drive_campaign
    from service.seed.synthetic import synthetic_campaign
    from service.timeutil import utcnow

    create_app(config)
    started = time.perf_counter()
    with transaction() as db:
        campaign_id = synthetic_campaign(db, targets).id
    seeded = time.perf_counter()
    start = utcnow()
    drive_campaign(campaign_id)
    return {
        "campaign_id": campaign_id,
        "start": start.isoformat(),
        "seed_s": round(seeded - started, 2),
        "drive_s": round(time.perf_counter() - seeded, 2),
        "driver_peak_mb": round(peak_mb(), 1),
    }


def run_size(backend: Backend, targets: int, workers: int) -> dict[str, Any]:
    """One campaign of `targets` targets on a fresh database, broker and set of workers."""
    with backend.stage(f"scale-{targets}") as config, smtp_server() as (smtp_url, sink):
        names = [f"worker{i}" for i in range(workers)]
        commands = {name: processes.worker_command(name=name) for name in names}
        commands["beat"] = processes.beat_command(str(config.var_dir / "beat-schedule"))
        env = child_env(config, VANTHU_SMTP_URL=smtp_url)
        with children(commands, env, config.var_dir / "logs") as group:
            group.wait_for_log(names, " ready.")
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(1, mp_context=spawn) as pool:  # dies loudly, never hangs
                driven = pool.submit(drive, config, targets).result()
            campaign_id = int(driven["campaign_id"])
            wait_jobs(campaign_id, DOCUMENT_JOBS, timeout=60 + TIMEOUT_PER_TARGET * targets)
            start = datetime.fromisoformat(driven["start"])
            wall = (finished_span(campaign_id, DOCUMENT_JOBS)[1] - start).total_seconds()
            memory = group.peaks()
            archive = job_states(campaign_id, ["archive"])
        with transaction() as db:
            issued = int(
                db.scalar(
                    select(func.count())
                    .select_from(Document)
                    .where(Document.campaign_id == campaign_id, Document.status == "issued")
                )
                or 0
            )
            per_kind = db.execute(
                select(Job.kind, func.count())
                .where(Job.campaign_id == campaign_id)
                .group_by(Job.kind)
            )
            jobs = {kind: int(n) for kind, n in per_kind.tuples()}
        if issued != 2 * targets + 3:
            raise BenchError(f"{issued} documents issued for {targets} targets")
        return {
            "targets": targets,
            "documents": issued,
            "emails": sink.count,
            "jobs": jobs,
            "archive_jobs": archive,
            "seed_s": driven["seed_s"],
            "drive_s": driven["drive_s"],
            "wall_s": round(wall, 2),
            "docs_per_s": round(issued / wall, 3),
            "per_doc_ms": round(1000 * wall / issued, 1),
            "peak_mb": {"driver": driven["driver_peak_mb"], **peaks_json(memory)},
        }


def measure(backend: Backend, sizes: tuple[int, int], workers: int) -> dict[str, Any]:
    small, large = (run_size(backend, n, workers) for n in sizes)
    return {
        "worker_processes": workers,
        "small": small,
        "large": large,
        "ratio_per_doc_700_to_70": round(large["per_doc_ms"] / small["per_doc_ms"], 3),
    }
