"""Rendering: raw docxtpl in this process against the whole pipeline, per worker process.

Raw: `DocxTemplate(...).render(context)` and `save()`, nothing around it. The service's own
renderer in this process (sandbox, cleaning, stable ZIP) is measured too, so that the table shows
where the pipeline loses: in the renderer or around it (API, jobs, broker, database).
Pipeline: `POST /campaigns/{id}/actions/issue_plan` against gunicorn with an administrator's
bearer token, each call issuing a new version of the plan in one transaction, then render-only
worker processes until the DOCX of the last one is stored with its SHA-256. Same template (KH),
same data (an issued plan's context).
"""

from __future__ import annotations

import io
import time
from typing import Any

from docxtpl import DocxTemplate
from sqlalchemy import func, select

from bench.env import (
    Backend,
    BenchError,
    api_token,
    call,
    child_env,
    children,
    finished_span,
    peaks_json,
    wait_jobs,
    web_server,
)
from service import processes
from service.database import transaction
from service.documents.render import render_docx
from service.documents.store import template_bytes
from service.models import Document, DocumentFile
from service.seed.load import load_demo

KIND = "KH"
ISSUE_DAY = "2023-04-05"


def raw_docxtpl(template: bytes, context: dict[str, Any], docs: int) -> float:
    """Documents per second of plain docxtpl: render and save, one process, one core."""

    def once() -> None:
        document = DocxTemplate(io.BytesIO(template))
        document.render(context, autoescape=True)
        document.save(io.BytesIO())

    once()  # warm: imports and caches, as the pipeline's first document is left out
    start = time.perf_counter()
    for _ in range(docs):
        once()
    return docs / (time.perf_counter() - start)


def service_renderer(template: bytes, context: dict[str, Any], docs: int) -> float:
    """Documents per second of `render_docx` (sandbox, cleaning, stable ZIP) in this process."""
    render_docx(template, context)  # warm, as the raw run is
    start = time.perf_counter()
    for _ in range(docs):
        render_docx(template, context)
    return docs / (time.perf_counter() - start)


def measure(backend: Backend, docs: int, workers: int) -> dict[str, Any]:
    """Raw, renderer and pipeline rates; the pipeline's per worker process.

    The API calls are made first, the worker processes started after: the queue is full when
    they are ready, so their rate is the pipeline's own and not how fast one client calls.
    """
    if docs < 2:
        raise BenchError("the pipeline rate needs at least two documents")
    with backend.stage("render") as config:
        with transaction() as db:
            campaign_id = load_demo(db, new_campaign=True).id
        token = api_token()
        with web_server(config) as (port, _web):
            api_seconds = []
            for _ in range(docs):
                sent = time.perf_counter()
                status, body = call(
                    port,
                    "POST",
                    f"/api/v1/campaigns/{campaign_id}/actions/issue_plan",
                    {"issue_date": ISSUE_DAY},
                    token,
                )
                if status != 200:
                    raise BenchError(f"issue_plan answered {status}: {body[:300]!r}")
                api_seconds.append(time.perf_counter() - sent)
        names = [f"render{i}" for i in range(workers)]
        commands = {name: processes.worker_command("render", 1, name) for name in names}
        with children(commands, child_env(config), config.var_dir / "logs") as group:
            group.wait_for_log(names, " ready.", poll=0.01)
            wait_jobs(campaign_id, ["render"], timeout=60 + 5 * docs)
            # From the first DOCX stored to the last: the worker's steady rate, without its
            # start-up and first connection (the raw runs are warmed up likewise).
            first, last = finished_span(campaign_id, ["render"])
            elapsed = (last - first).total_seconds()
            memory = group.peaks()
        with transaction() as db:
            stored = db.scalar(
                select(func.count())
                .select_from(DocumentFile)
                .join(Document)
                .where(Document.campaign_id == campaign_id, DocumentFile.format == "docx")
            )
            if stored != docs:
                raise BenchError(f"{stored} DOCX stored for {docs} plans")
            plan = db.scalar(
                select(Document)
                .where(Document.campaign_id == campaign_id, Document.status == "issued")
                .limit(1)
            )
            assert plan is not None
            template, context = template_bytes(db, plan.template_id, KIND), dict(plan.context)
    raw = raw_docxtpl(template, context, docs)
    renderer = service_renderer(template, context, docs)
    per_worker = (docs - 1) / elapsed / workers
    return {
        "kind": KIND,
        "documents": docs,
        "worker_processes": workers,
        "raw_docs_per_s": round(raw, 2),
        "renderer_docs_per_s": round(renderer, 2),
        "pipeline_docs_per_s_per_worker": round(per_worker, 2),
        "pipeline_s": round(elapsed, 2),
        "api_issue_ms_mean": round(1000 * sum(api_seconds) / docs, 1),
        "ratio_renderer_to_raw": round(renderer / raw, 3),
        "ratio_pipeline_to_raw": round(per_worker / raw, 3),
        "peak_mb": peaks_json(memory),
    }
