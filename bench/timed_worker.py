"""`celery -A bench.timed_worker worker …`: the shipped worker, with every run of a job timed.

The jobs table keeps no claim time (finishing a job overwrites `updated_at` and `lease_until`),
so the notices bench runs the workers through this module: it wraps `service.runner.execute` and
each kind's handler in `workers.kinds.KINDS`, and writes one JSON line per run to
`<var dir>/timings/<pid>.jsonl`: when the task began, when its claim had committed and the handler
began, when the handler ended, and when the outcome was recorded.
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


def _timed(kind: str, handler: runner.Handler) -> runner.Handler:
    def run(job: Job) -> None:
        _local.run = {"kind": kind, "handler_start": time.time()}
        try:
            handler(job)
        finally:
            _local.run["handler_end"] = time.time()

    return run


def _timed_execute(
    job_id: int,
    kinds: runner.Kinds,
    lease_seconds: int,
    holdings: runner.Holdings | None = None,
) -> runner.Outcome:
    _local.run = {}
    start, outcome = time.time(), "error"
    try:
        result = _execute(job_id, kinds, lease_seconds, holdings)
        outcome = str(result)
        return result
    finally:
        end = time.time()
        _record({"job": job_id, "outcome": outcome, "start": start, "end": end, **_local.run})


def _record(run: dict[str, Any]) -> None:
    folder = flask_app.config["VANTHU"].var_dir / TIMINGS
    with _write:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps(run) + "\n")


runner.execute = _timed_execute  # tasks.run_job looks it up on the module at each call
for _kind, _spec in list(KINDS.items()):
    KINDS[_kind] = replace(_spec, run=_timed(_kind, _spec.run))
