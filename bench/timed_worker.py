"""`celery -A bench.timed_worker worker …`: the shipped worker, with every run of a job timed.

The jobs table keeps no claim time (finishing a job overwrites `updated_at` and `lease_until`),
so the notices bench runs the workers through this module: it wraps `service.runner.execute`,
`service.runner.run_claimed` and each kind's handler in `workers.kinds.KINDS`, and writes one
JSON line per run to `<var dir>/timings/<pid>.jsonl`: when the job's turn began (the task's
start for the first job a claim took, the end of the one before for the others of its batch),
when the handler began and ended, and when the outcome was recorded. A doorbell that found
nothing to claim is a line without handler times.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import replace
from typing import Any

from service import runner
from service.models import Job
from workers.celery_app import celery, flask_app
from workers.kinds import KINDS

__all__ = ["celery"]

TIMINGS = "timings"

_local = threading.local()
_write = threading.Lock()
_execute = runner.execute
_run_claimed = runner.run_claimed


def _timed(kind: str, handler: runner.Handler) -> runner.Handler:
    def run(job: Job) -> None:
        _local.run = {"kind": kind, "handler_start": time.time()}
        try:
            handler(job)
        finally:
            _local.run["handler_end"] = time.time()

    return run


def _timed_run(job: Job, kinds: runner.Kinds) -> runner.Outcome:
    _local.run, outcome = {}, "error"
    try:
        result = _run_claimed(job, kinds)
        outcome = str(result)
        return result
    finally:
        end = time.time()
        _record({"job": job.id, "outcome": outcome, "start": _local.turn, "end": end, **_local.run})
        _local.turn, _local.ran = end, True


def _timed_execute(
    job_id: int,
    kinds: runner.Kinds,
    lease_seconds: int,
    holdings: runner.Holdings | None = None,
    batch: int = 1,
) -> runner.Outcome:
    _local.turn, _local.ran = time.time(), False
    start, outcome = _local.turn, "error"
    try:
        result = _execute(job_id, kinds, lease_seconds, holdings, batch)
        outcome = str(result)
        return result
    finally:
        if not _local.ran:
            _record({"job": job_id, "outcome": outcome, "start": start, "end": time.time()})


def _record(run: dict[str, Any]) -> None:
    folder = flask_app.config["VANTHU"].var_dir / TIMINGS
    with _write:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps(run) + "\n")


runner.execute = _timed_execute  # tasks.run_job looks it up on the module at each call
runner.run_claimed = _timed_run  # and runner.execute at each job it claimed
for _kind, _spec in list(KINDS.items()):
    KINDS[_kind] = replace(_spec, run=_timed(_kind, _spec.run))
