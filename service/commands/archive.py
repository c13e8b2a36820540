"""Request a build of a campaign's case file, find the newest build, read its ZIP in chunks."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service import jobs
from service.commands.caller import Caller
from service.commands.campaigns import get_campaign
from service.database import transaction
from service.documents.store import CORRUPT, CorruptFile, alert
from service.errors import Conflict, NotFound
from service.models import ArchiveBuild, Document, LifecycleEvent
from workflows.lifecycle import REOPEN
from workflows.vocabulary import ArchiveState, DocumentStatus, JobKind

# queued → running → done; a failed attempt leaves `retrying` (or `failed` once out of attempts).
PENDING = (ArchiveState.QUEUED, ArchiveState.RUNNING, ArchiveState.RETRYING)
CHUNK = 1024 * 1024
TABLE = ArchiveBuild.__tablename__


def report_problems(db: Session, campaign_id: int) -> list[str]:
    """Why the case file cannot be built yet (it needs the issued summary report)."""
    issued = db.scalar(
        select(func.count())
        .select_from(Document)
        .where(
            Document.campaign_id == campaign_id,
            Document.kind == "BC",
            Document.status == DocumentStatus.ISSUED,
        )
    )
    if issued:
        return []
    return ["Chưa ban hành báo cáo kết quả kiểm tra: hồ sơ chỉ được lập sau khi có báo cáo"]


def request_build(db: Session, caller: Caller, campaign_id: int) -> ArchiveBuild:
    """A new build of the case file, enqueued; a build still pending is returned instead."""
    campaign = get_campaign(db, campaign_id)
    caller.require("archive.build", campaign)
    problems = report_problems(db, campaign.id)
    if problems:
        raise Conflict(problems)
    pending = db.scalar(
        select(ArchiveBuild)
        .where(ArchiveBuild.campaign_id == campaign.id, ArchiveBuild.state.in_(PENDING))
        .order_by(ArchiveBuild.id.desc())
        .limit(1)
    )
    if pending is not None:
        return pending
    build = ArchiveBuild(
        campaign_id=campaign.id, state=ArchiveState.QUEUED, requested_by=caller.name
    )
    db.add(build)
    db.flush()
    jobs.enqueue(
        db,
        JobKind.ARCHIVE,
        f"archive:{build.id}",
        campaign_id=campaign.id,
        payload={"build_id": build.id},
    )
    return build


def request_if_reopened(db: Session, caller: Caller, campaign_id: int) -> None:
    """Archiving after a reopening files the case file anew: a new build (the earlier ones are
    kept) unless one was requested since; the first archiving has the report's own build."""
    reopened = db.scalar(
        select(func.max(LifecycleEvent.at)).where(
            LifecycleEvent.campaign_id == campaign_id, LifecycleEvent.action == REOPEN
        )
    )
    if reopened is None:
        return
    requested = db.scalar(
        select(func.max(ArchiveBuild.created_at)).where(ArchiveBuild.campaign_id == campaign_id)
    )
    if requested is None or requested < reopened:
        request_build(db, caller, campaign_id)


def newest_build(db: Session, campaign_id: int, *, finished: bool = False) -> ArchiveBuild:
    """The newest build (or newest finished one) of the campaign, without its content."""
    stmt = (
        select(ArchiveBuild)
        .where(ArchiveBuild.campaign_id == campaign_id)
        .order_by(ArchiveBuild.id.desc())
        .limit(1)
    )
    if finished:
        stmt = stmt.where(ArchiveBuild.state == ArchiveState.DONE)
    build = db.scalar(stmt)
    if build is None:
        what = "hồ sơ đã lập xong của kế hoạch" if finished else "bản lập hồ sơ của kế hoạch"
        raise NotFound(what, campaign_id)
    return build


def store_content(db: Session, build: ArchiveBuild, path: Path) -> None:
    """Put the ZIP into the build's content column. SQLite takes it piece by piece through
    incremental blob I/O; PostgreSQL's bytea is written whole, as the schema keeps one column."""
    raw = _sqlite(db)
    if raw is None:
        build.content = path.read_bytes()
        return
    db.execute(
        update(ArchiveBuild)
        .where(ArchiveBuild.id == build.id)
        .values(content=func.zeroblob(path.stat().st_size))
        .execution_options(synchronize_session=False)
    )
    with raw.blobopen(TABLE, "content", build.id) as blob, path.open("rb") as source:
        while piece := source.read(CHUNK):
            blob.write(piece)


def content_chunks(build_id: int, size: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """The stored ZIP piece by piece, each in its own short read, so memory stays flat."""
    for offset in range(0, size, chunk):
        with transaction() as db:
            raw = _sqlite(db)
            if raw is not None:
                with raw.blobopen(TABLE, "content", build_id, readonly=True) as blob:
                    blob.seek(offset)
                    piece = blob.read(chunk)
            else:  # PostgreSQL fetches a slice of an uncompressed TOAST value
                piece = db.scalar(
                    select(func.substr(ArchiveBuild.content, offset + 1, chunk)).where(
                        ArchiveBuild.id == build_id
                    )
                )
        yield bytes(piece or b"")


def verified_chunks(build: ArchiveBuild) -> Iterator[bytes]:
    """The stored ZIP in chunks, once all of it has matched the build's SHA-256 (read twice,
    memory flat): a corrupt case file is refused, noted on the build, before any byte goes out."""
    build_id, size, expected, name = build.id, build.size, build.sha256, build.filename
    digest = hashlib.sha256()
    for piece in content_chunks(build_id, size):
        digest.update(piece)
    if digest.hexdigest() == expected:
        return content_chunks(build_id, size)
    message = f"{CORRUPT}: tệp ZIP {name} không khớp mã SHA-256 đã lưu; hãy lập lại hồ sơ"
    with transaction() as db:
        stored = db.get(ArchiveBuild, build_id)
        if stored is not None:
            stored.last_error = message
        alert(db, "archive", build_id, f"{name}: lưu {expected}, đọc {digest.hexdigest()}")
    raise CorruptFile(message)


def _sqlite(db: Session) -> Any:
    """The sqlite3 connection under the session's transaction, or None on another database."""
    connection = db.connection()
    return connection.connection.driver_connection if connection.dialect.name == "sqlite" else None


def export(campaign_id: int, folder: Path) -> Path:
    """Write the newest finished build of the campaign into `folder` under its own name."""
    with transaction() as db:
        build = newest_build(db, campaign_id, finished=True)
        name = build.filename
    chunks = verified_chunks(build)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("wb") as out:
        for piece in chunks:
            out.write(piece)
    return path
