"""Archive: the case file of 100 and of 1,000 documents, time and peak memory, one child each.

The documents are synthetic rows holding real DOCX and PDF bytes. Each size is built twice, in a
fresh child process each time: by the builder alone (catalogue, register, ZIP written to a
temporary file) and by the whole archive job (the same, then the ZIP stored in its column).
Peak memory is the child's VmHWM less its resident memory before the build.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.env import Backend
from bench.memory import peak_mb
from service.commands.archive import request_build
from service.commands.caller import Caller
from service.config import Config
from service.database import transaction
from service.documents.contract import SAMPLE_CONTEXTS
from service.documents.render import render_docx
from service.documents.store import committed_template, sha256
from service.models import Document, DocumentFile, Job
from service.seed.load import load_demo

FIRST_DAY = date(2023, 9, 5)


def resident_mb() -> float:
    """VmRSS of this process in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def seed(documents: int, pdf: bytes) -> tuple[int, int]:
    """A campaign with `documents` issued documents (notices, the last one a report), each with
    its DOCX and PDF; (campaign id, id of the archive job that issuing the report asks for)."""
    docx = render_docx(committed_template("TB"), SAMPLE_CONTEXTS["TB"])
    with transaction() as db:
        campaign = load_demo(db, new_campaign=True)
        for number in range(1, documents + 1):
            kind = "BC" if number == documents else "TB"
            doc = Document(
                campaign_id=campaign.id,
                kind=kind,
                subject_key="" if kind == "BC" else f"t{number}",
                version=1,
                status="issued",
                title=f"Văn bản thử {number}",
                issuer_id=campaign.issuer_id,
                year=2023,
                number=number,
                code=f"{kind}-SLĐTBXH",
                issue_date=FIRST_DAY + timedelta(days=number // 20),
                context=SAMPLE_CONTEXTS[kind],
            )
            doc.files = [
                DocumentFile(
                    format=fmt,
                    content=content,
                    sha256=sha256(content),
                    size=len(content),
                    page_count=1 if fmt == "pdf" else None,
                )
                for fmt, content in (("docx", docx), ("pdf", pdf))
            ]
            db.add(doc)
        db.flush()
        request_build(db, Caller.system(), campaign.id)
        job_id = db.scalar(
            select(Job.id).where(Job.kind == "archive", Job.campaign_id == campaign.id)
        )
        assert job_id is not None
        return campaign.id, job_id


def build_in_child(
    config: Config, campaign_id: int, job_id: int, whole_job: bool
) -> dict[str, Any]:
    """In a fresh child: the builder alone, or the whole job; seconds and memory."""
    from service.app import create_app
    from service.archive import builder
    from service.archive.catalogue import collect
    from service.archive.register import register_csv
    from service.commands import archiving

    create_app(config)
    before = resident_mb()
    started = time.perf_counter()
    if whole_job:
        with transaction() as db:
            job = db.get(Job, job_id)
            assert job is not None
            db.expunge(job)
        archiving.handle(job, None, config.timezone)
        size = 0
    else:
        with transaction() as db:
            case = collect(db, campaign_id)
            register = register_csv(db, case, config.timezone)
        with tempfile.TemporaryDirectory(prefix="bench-archive-") as folder:
            path = Path(folder) / "archive.zip"
            builder.write_archive(
                path, case, register, archiving.read_document_file, None, lambda _d, _t: None
            )
            size = path.stat().st_size
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "zip_mb": round(size / 2**20, 1),
        "baseline_mb": round(before, 1),
        "peak_mb": round(peak_mb(), 1),
        "growth_mb": round(peak_mb() - before, 1),
    }


def measure(backend: Backend, sizes: tuple[int, int], pdf: bytes) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    results: dict[str, Any] = {}
    for documents in sizes:
        with backend.stage(f"archive-{documents}") as config:
            campaign_id, job_id = seed(documents, pdf)
            runs = {}
            for mode, whole in (("builder", False), ("job", True)):
                with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                    runs[mode] = pool.submit(
                        build_in_child, config, campaign_id, job_id, whole
                    ).result()
            results[str(documents)] = runs
    small, large = (results[str(n)] for n in sizes)
    return {
        "sizes": list(sizes),
        "by_size": results,
        "seconds_small": small["builder"]["seconds"],
        "seconds_large": large["builder"]["seconds"],
        "memory_growth_mb": round(large["builder"]["peak_mb"] - small["builder"]["peak_mb"], 1),
        "job_memory_growth_mb": round(large["job"]["peak_mb"] - small["job"]["peak_mb"], 1),
    }
