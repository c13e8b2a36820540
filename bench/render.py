"""Rendering: raw docxtpl, Vanthu's renderer and its peers side by side; the whole pipeline.

Engines (`engines`): raw `DocxTemplate(...).render(context)` and `save()`, nothing around it;
Vanthu's renderer before (`render_docx_whole`: docxtpl's whole document, saved and rezipped) and
now (`render_docx`: only the parts holding tags, the rest copied compressed); where Node.js is
installed, docxtemplater and Carbone (DOCX to DOCX, no conversion) on KH converted tag for tag
(bench/peers, installed by `npm ci`). They take turns, one document each a round, and each is
checked to read as `render_docx`'s output.
Pipeline: `POST /campaigns/{id}/actions/issue_plan` against gunicorn with an administrator's
bearer token, each call issuing a new version of the plan in one transaction, then render-only
worker processes until the DOCX of the last one is stored with its SHA-256. Same template (KH),
same data (an issued plan's context). `python -m bench.render` measures the engines alone.
"""

from __future__ import annotations

import io
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docx import Document as DocxReader
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
from service.documents.render import render_docx, render_docx_whole
from service.documents.store import committed_template, template_bytes
from service.models import Document, DocumentFile
from service.seed.load import load_demo

KIND = "KH"
ISSUE_DAY = "2023-04-05"


PEERS = Path(__file__).resolve().parent / "peers"


def _raw_docxtpl(template: bytes, context: dict[str, Any]) -> bytes:
    document = DocxTemplate(io.BytesIO(template))
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class _Peer:
    """The Node driver (peers/render.js): renders a peer's converted template on request and
    answers the seconds it took, measured inside Node."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(PEERS / "render.js")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def render(self, engine: str, context: dict[str, Any], out: Path | None = None) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        template = PEERS / f"{KIND}.{engine}.docx"
        request = {"engine": engine, "template": str(template), "data": context, "count": 1}
        self.process.stdin.write(json.dumps({**request, "out": str(out or "")}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise BenchError(f"the Node driver stopped rendering {engine}")
        return float(json.loads(answer)["seconds"][0])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def peers_ready() -> str:
    """Empty when the Node peers can run (installed by `npm ci` if need be), else why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Node.js is not installed: docxtemplater and Carbone are not measured"
    if not all((PEERS / "node_modules" / name).is_dir() for name in PEER_ENGINES):
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=PEERS, capture_output=True, text=True
        )
        if done.returncode != 0:
            return f"npm ci failed in bench/peers: {done.stderr.strip()[-300:]}"
    return ""


def _texts(data: bytes) -> list[str]:
    return [p.text for p in DocxReader(io.BytesIO(data)).paragraphs]


def engines(template: bytes, context: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Documents per second (the median of `rounds` alternating renders, one core each) of raw
    docxtpl, Vanthu's renderer before (the whole document) and now, and the Node peers on the
    same plan; each as a ratio to raw docxtpl. Every output must read as Vanthu's does."""
    local: dict[str, Callable[[], bytes]] = {
        "raw docxtpl": lambda: _raw_docxtpl(template, context),
        "Vanthu render_docx_whole (before)": lambda: render_docx_whole(template, context),
        "Vanthu render_docx": lambda: render_docx(template, context),
    }
    expected = _texts(render_docx(template, context))
    for name, render in local.items():  # warm, and the same document from each
        if _texts(render()) != expected:
            raise BenchError(f"{name} renders other text than render_docx")
    note = peers_ready()
    peer = None if note else _Peer()
    seconds: dict[str, list[float]] = {name: [] for name in local}
    try:
        if peer is not None:
            with tempfile.TemporaryDirectory() as folder:
                out = Path(folder) / "peer.docx"
                for engine in PEER_ENGINES:
                    peer.render(engine, context, out)  # warm
                    if _texts(out.read_bytes()) != expected:
                        raise BenchError(f"{engine} renders other text than render_docx")
                    seconds[engine] = []
        for _ in range(rounds):
            for name, render in local.items():
                start = time.perf_counter()
                render()
                seconds[name].append(time.perf_counter() - start)
            if peer is not None:
                for engine in PEER_ENGINES:
                    seconds[engine].append(peer.render(engine, context))
    finally:
        if peer is not None:
            peer.close()
    rates = {name: 1 / statistics.median(times) for name, times in seconds.items()}
    raw = rates["raw docxtpl"]
    return {
        "rounds": rounds,
        "peers_note": note or ", ".join(f"{name} {_version(name)}" for name in PEER_ENGINES),
        "engines": {
            name: {"docs_per_s": round(rate, 2), "ratio_to_raw": round(rate / raw, 2)}
            for name, rate in rates.items()
        },
    }


PEER_ENGINES = ("docxtemplater", "carbone")  # each its npm package's name


def _version(package: str) -> str:
    manifest = PEERS / "node_modules" / package / "package.json"
    return str(json.loads(manifest.read_text())["version"])


def table(figures: dict[str, Any]) -> str:
    """The engines side by side, as `python -m bench.render` prints them."""
    rows = [f"{'engine':40} {'docs/s':>8} {'x raw':>6}"]
    for name, e in figures["engines"].items():
        rows.append(f"{name:40} {e['docs_per_s']:>8} {e['ratio_to_raw']:>6}")
    return "\n".join([*rows, figures["peers_note"]])


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
    side_by_side = engines(template, context, docs)
    rates = side_by_side["engines"]
    raw = rates["raw docxtpl"]["docs_per_s"]
    renderer = rates["Vanthu render_docx"]["docs_per_s"]
    per_worker = (docs - 1) / elapsed / workers
    return {
        **side_by_side,
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


if __name__ == "__main__":  # the engines alone, on the shipped template and its sample
    from service.documents.contract import SAMPLE_CONTEXTS

    print(table(engines(committed_template(KIND), dict(SAMPLE_CONTEXTS[KIND]), 60)))
