"""API: p50 and p95 latency of the main endpoints under concurrent clients, against /healthz.

gunicorn as `vanthu run` starts it (two sync workers) on a free port. The reads go to the demo
campaign, driven through every step with its documents rendered, and to a large synthetic one
(700 targets at make bench's size); the generate request then drafts a notice for a different
target of the large one each time (no worker runs: the web process only enqueues). Each client
thread opens a connection per request, as a browser would against gunicorn's sync workers; every
API request carries an administrator's bearer token (the token's check is part of what is
measured), the /healthz baseline none.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bench.env import (
    Backend,
    BenchError,
    api_token,
    call,
    peaks_json,
    web_server,
)
from service import runner
from service.database import transaction
from service.demo import drive_campaign
from service.models import Job, Target
from service.seed.load import load_demo
from service.seed.synthetic import synthetic_campaign
from workers.kinds import KINDS

Request = tuple[str, str, dict[str, Any] | None]


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95: 95 % of the requests took at most this long)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered)))
    return ordered[rank - 1]


def load(port: int, requests: list[Request], clients: int, token: str = "") -> list[float]:
    """Send every request from `clients` threads (with `token` as bearer when given); each
    one's latency in ms."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(reversed(requests))

    def client() -> None:
        while True:
            with lock:
                if not queue or errors:
                    return
                method, path, body = queue.pop()
            started = time.perf_counter()
            status = call(port, method, path, body, token)[0]
            elapsed = 1000 * (time.perf_counter() - started)
            with lock:
                if status >= 400:
                    errors.append(f"{method} {path}: {status}")
                latencies.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise BenchError(f"{len(errors)} requests failed, e.g. {errors[0]}")
    return latencies


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
    }


def prepare(generate_targets: int) -> tuple[int, list[int], int]:
    """The demo campaign driven to the end with its documents rendered (no PDF needed for
    reads), and a large one whose targets each get one draft; (read id, target ids, large id)."""
    with transaction() as db:
        demo = load_demo(db, new_campaign=True).id
        large = synthetic_campaign(db, generate_targets)
        large_id = large.id
    drive_campaign(demo)
    with transaction() as db:
        renders = db.scalars(select(Job.id).where(Job.kind == "render", Job.campaign_id == demo))
        render_ids = list(renders)
        targets = list(db.scalars(select(Target.id).where(Target.campaign_id == large_id)))
    for job_id in render_ids:
        runner.execute(job_id, KINDS, 300)
    return demo, targets, large_id


def measure(
    backend: Backend, requests: int, clients: int, large_targets: int = 700
) -> dict[str, Any]:
    with backend.stage("api") as config:
        campaign_id, targets, large_id = prepare(max(requests, large_targets))
        token = api_token()
        with web_server(config) as (port, group):
            base = f"/api/v1/campaigns/{campaign_id}"
            big = f"/api/v1/campaigns/{large_id}"
            reads: dict[str, Callable[[int], Request]] = {
                "campaign_list": lambda _i: ("GET", "/api/v1/campaigns", None),
                "campaign_detail": lambda _i: ("GET", base, None),
                "lifecycle": lambda _i: ("GET", f"{base}/lifecycle", None),
                "documents_list": lambda _i: ("GET", f"{base}/documents", None),
                # The same reads of the large campaign (its targets, not yet its documents).
                "large_campaign_detail": lambda _i: ("GET", big, None),
                "large_lifecycle": lambda _i: ("GET", f"{big}/lifecycle", None),
                "large_targets_list": lambda _i: ("GET", f"{big}/targets", None),
            }
            load(port, [("GET", "/healthz", None)] * clients, clients)  # warm every worker
            baseline = summary(load(port, [("GET", "/healthz", None)] * requests, clients))
            endpoints = {
                name: summary(load(port, [make(i) for i in range(requests)], clients, token))
                for name, make in reads.items()
            }
            drafts: list[Request] = [
                ("POST", f"/api/v1/campaigns/{large_id}/documents", {"kind": "TB", "target_id": t})
                for t in targets[:requests]
            ]
            endpoints["generate_draft"] = summary(load(port, drafts, clients, token))
            memory = group.peaks()
    worst = max(endpoints.values(), key=lambda e: e["p95_ms"])
    return {
        "clients": clients,
        "baseline": baseline,
        "endpoints": endpoints,
        "p95_ms": worst["p95_ms"],
        "p95_baseline_ms": baseline["p95_ms"],
        "ratio_p95_to_baseline": round(worst["p95_ms"] / max(baseline["p95_ms"], 0.1), 1),
        "peak_mb": peaks_json(memory),
    }
