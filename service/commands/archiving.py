"""The work behind an archive job: read the catalogue, build the case file, store it.

Reading, building and storing are separate transactions, so no database lock is held while the
ZIP is written; progress is recorded as it goes.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from service.archive.builder import Progress, member_count, write_archive
from service.archive.catalogue import collect
from service.archive.register import register_csv
from service.commands.archive import CHUNK, store_content
from service.database import transaction
from service.documents.libreoffice import Converter
from service.documents.store import read_verified
from service.models import ArchiveBuild, DocumentFile, Job
from service.runner import NotYet, PermanentError
from service.timeutil import utcnow
from workflows.vocabulary import ArchiveState

GIVEN_UP = "Không lập được hồ sơ sau mọi lần thử; hãy yêu cầu lập lại"


def read_document_file(file_id: int) -> bytes:
    """One stored file's bytes, checked against its SHA-256, in a short transaction of its own."""
    with transaction() as db:
        stored = db.get(DocumentFile, file_id)
        if stored is None:
            raise RuntimeError(f"Không tìm thấy tệp văn bản #{file_id}")
        return read_verified(stored)


def handle(job: Job, converter: Converter | None, tz: str, roots: Sequence[bytes] = ()) -> None:
    """The archive job: read the catalogue, wait while documents are not ready (not yet
    converted or signed, without using an attempt), build, store. Signed PDFs are validated
    again against `roots`, the trusted root certificates; an invalid one fails the build.

    Idempotent: a finished build is left alone; an interrupted one is built again from scratch.
    """
    build_id = int(job.payload["build_id"])
    with transaction() as db:
        build = _build(db, build_id)
        if build is None:
            raise PermanentError(f"Không tìm thấy bản lập hồ sơ #{build_id}")
        if build.state == ArchiveState.DONE:
            return
        case = collect(db, build.campaign_id)
        register = register_csv(db, case, tz) if not case.problems else None
        if case.problems:
            build.state = ArchiveState.QUEUED
            build.last_error = "Đang chờ: " + "; ".join(case.problems)
        else:
            build.state = ArchiveState.RUNNING
            build.progress = 0
            build.total = member_count(case, converter is not None)
            build.last_error = ""
    if register is None:
        raise NotYet("Chưa thể lập hồ sơ: " + "; ".join(case.problems))
    with tempfile.TemporaryDirectory(prefix="vanthu-archive-") as folder:
        path = Path(folder) / "archive.zip"
        write_archive(
            path, case, register, read_document_file, converter, _reporter(build_id), roots
        )
        _store(build_id, path, f"{case.root}.zip")


def retrying(db: Session, job: Job) -> None:
    """An attempt failed and another follows: the build says so, and why."""
    build = db.get(ArchiveBuild, int(job.payload["build_id"]))
    if build is not None and build.state != ArchiveState.DONE:
        build.state = ArchiveState.RETRYING
        build.last_error = job.last_error


def given_up(db: Session, job: Job) -> None:
    """The job is over without a case file (its last attempt's worker died, or it failed for
    good): the build says so, so that it never shows "running" and a new one can be requested."""
    build = db.get(ArchiveBuild, int(job.payload["build_id"]))
    if build is not None and build.state != ArchiveState.DONE:
        build.state = ArchiveState.FAILED
        build.last_error = job.last_error or GIVEN_UP


def handed_back(db: Session, job: Job) -> None:
    """A case file whose build was cut short waits for its next run; it is not shown building."""
    build = db.get(ArchiveBuild, int(job.payload["build_id"]))
    if build is not None and build.state == ArchiveState.RUNNING:
        build.state, build.progress = ArchiveState.QUEUED, 0


def _store(build_id: int, path: Path, filename: str) -> None:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while piece := source.read(CHUNK):
            digest.update(piece)
    with transaction() as db:
        build = _build(db, build_id)
        if build is None:
            raise PermanentError(f"Không tìm thấy bản lập hồ sơ #{build_id}")
        store_content(db, build, path)
        build.sha256 = digest.hexdigest()
        build.size = path.stat().st_size
        build.filename = filename
        build.state = ArchiveState.DONE
        build.progress = build.total
        build.last_error = ""
        build.built_at = utcnow()


def _build(db: Session, build_id: int) -> ArchiveBuild | None:
    """The build row (its content, which may be a large ZIP, is deferred by the model)."""
    return db.get(ArchiveBuild, build_id)


def _reporter(build_id: int, every: float = 0.5) -> Progress:
    """Record progress at most every `every` seconds (and at the end) in a short transaction."""
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < every:
            return
        last[0] = now
        with transaction() as db:
            build = _build(db, build_id)
            if build is not None:
                build.progress, build.total = done, total

    return report
