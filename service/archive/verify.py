"""Check a case file ZIP: every checksum, every name, and the index against the files; and every
SHA-256 recorded of a document file (SHA256SUMS, the metadata JSON and XML, the index CSV and,
online, the database) against its bytes and against each other, so that a forger must agree
with all of them, not with SHA256SUMS alone; and every digital signature of every document PDF
validated again, offline, against the trust roots given, whatever the records say.

Reads members as streams; never extracts anything to disk.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.archive import index, naming, signatures
from service.archive.catalogue import collect
from service.models import ArchiveBuild

READ_CHUNK = 1024 * 1024
CONTENT = "nội dung tệp"
DATABASE = "cơ sở dữ liệu"


@dataclass
class Report:
    """What `verify_archive` found; `problems` is empty for an intact case file."""

    problems: list[str] = field(default_factory=list)
    checked: int = 0
    documents: int = 0
    cross_checked: int = 0  # document files whose every recorded SHA-256 agrees
    records: list[str] = field(default_factory=list)  # the records that were set side by side
    signed_documents: int = 0  # document PDFs whose every signature validated
    signatures: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(path: Path, db: Session | None = None, roots: Sequence[bytes] = ()) -> Report:
    """The problems of the case file at `path`; with `db`, also against the database's records;
    signatures validated against `roots` (the trusted root certificates)."""
    report = Report()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        report.problems.append(f"Không đọc được tệp ZIP: {error}")
        return report
    with archive:
        checked = _verify(archive, report)
        if checked is not None:
            _cross_check(archive, *checked, report, db, path)
            _check_signatures(archive, checked[0], report, roots)
    return report


def _verify(
    archive: zipfile.ZipFile, report: Report
) -> tuple[dict[str, str], dict[str, str]] | None:
    """Names, SHA256SUMS and the index; (the members by their path under the root, SHA256SUMS),
    or None when the layout is too broken to go on."""
    names = [info.filename for info in archive.infolist()]
    for name in names:
        reason = naming.unsafe_reason(name)
        if reason:
            report.problems.append(f"Tên tệp không an toàn ({reason}): {name!r}")
    roots = sorted({name.split("/", 1)[0] for name in names})
    if len(roots) != 1:
        report.problems.append(f"Hồ sơ phải nằm trong đúng một thư mục gốc, có: {', '.join(roots)}")
        return None
    root = roots[0]
    sums_name = f"{root}/{naming.CHECKSUMS_NAME}"
    if sums_name not in names:
        report.problems.append(f"Thiếu tệp {naming.CHECKSUMS_NAME}")
        return None
    try:
        sums = _read_sums(archive.read(sums_name).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error) as error:
        report.problems.append(f"Tệp {naming.CHECKSUMS_NAME} bị hỏng: {error}")
        return None
    members = {name.removeprefix(f"{root}/"): name for name in names if not name.endswith("/")}
    intact: set[str] = set()
    for relative, expected in sums.items():
        if relative not in members:
            report.problems.append(f"Thiếu tệp: {relative}")
            continue
        actual = _digest(archive, members[relative])
        report.checked += 1
        if actual != expected:
            report.problems.append(f"Tệp đã bị thay đổi (SHA-256 không khớp): {relative}")
        else:
            intact.add(relative)
    for relative in sorted(set(members) - set(sums) - {naming.CHECKSUMS_NAME}):
        report.problems.append(f"Tệp thừa, không có trong {naming.CHECKSUMS_NAME}: {relative}")
    _verify_index(archive, members, intact, report)
    return members, sums


def _read_sums(text: str) -> dict[str, str]:
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, relative = line.partition("  ")
        if not sep or len(digest) != 64 or not relative:
            raise ValueError(f"dòng {number} sai định dạng")
        sums[relative] = digest.lower()
    return sums


def _digest(archive: zipfile.ZipFile, name: str) -> str:
    """SHA-256 of a member, or '' when it cannot be read (bad CRC, broken deflate stream)."""
    digest = hashlib.sha256()
    try:
        with archive.open(name) as member:
            while piece := member.read(READ_CHUNK):
                digest.update(piece)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return ""
    return digest.hexdigest()


def _verify_index(
    archive: zipfile.ZipFile, members: dict[str, str], intact: set[str], report: Report
) -> None:
    """Every index row's files exist with the page count it states; every file is indexed."""
    index_name = naming.file_name(naming.INDEX_STEM, "csv")
    if index_name not in intact:
        report.problems.append(f"Không kiểm tra được mục lục: tệp {index_name} thiếu hoặc hỏng")
        return
    rows = index.read_csv(archive.read(members[index_name]))
    report.documents = len(rows)
    listed: set[str] = set()
    for row in rows:
        reference = row.get(index.REFERENCE, "")
        for column in index.CSV_FILE_COLUMNS:
            relative = row.get(column, "")
            if not relative:
                continue
            listed.add(relative)
            if relative not in members:
                report.problems.append(f"Mục lục ghi tệp không có trong hồ sơ: {relative}")
        pdf = row.get(index.PDF_FILE, "")
        stated = row.get(index.PAGES, "")
        if pdf in intact and stated:
            pages = _pages(archive.read(members[pdf]))
            if pages is None:
                report.problems.append(f"Không đọc được tệp PDF: {pdf}")
            elif str(pages) != stated:
                report.problems.append(
                    f"Số trang của văn bản số {reference} trong mục lục ({stated}) "
                    f"khác tệp PDF ({pages})"
                )
    folders = (f"{naming.DOCUMENTS_DIR}/", f"{naming.SUPERSEDED_DIR}/")
    for relative in sorted(members):
        if relative.startswith(folders) and relative not in listed:
            report.problems.append(f"Tệp văn bản không có trong mục lục: {relative}")


def _pages(pdf: bytes) -> int | None:
    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PdfReadError, ValueError, KeyError, OSError):
        return None


@dataclass(frozen=True)
class DocFile:
    """One document file as the metadata names it: enough to find it in the database."""

    reference: str
    version: int
    format: str


def _cross_check(
    archive: zipfile.ZipFile,
    members: dict[str, str],
    sums: dict[str, str],
    report: Report,
    db: Session | None,
    path: Path,
) -> None:
    """Every SHA-256 recorded of each document file, set against its bytes and each other."""
    recorded: dict[str, dict[str, str]] = {}  # path -> record -> SHA-256
    files: dict[str, DocFile] = {}
    for name, read in (
        (naming.file_name(naming.METADATA_STEM, "json"), _json_records),
        (naming.file_name(naming.METADATA_STEM, "xml"), _xml_records),
        (naming.file_name(naming.INDEX_STEM, "csv"), _csv_records),
    ):
        if name not in members:
            report.problems.append(f"Thiếu tệp {name}: không đối chiếu được mã SHA-256 của nó")
            continue
        try:
            found = read(archive.read(members[name]))
        except (ValueError, KeyError, TypeError, ElementTree.ParseError, zipfile.BadZipFile) as e:
            report.problems.append(f"Không đọc được {name}: {e}")
            continue
        report.records.append(name)
        for relative, (doc_file, digest) in found.items():
            recorded.setdefault(relative, {})[name] = digest
            files.setdefault(relative, doc_file)
    if db is not None:
        report.records.append(DATABASE)
        _database_records(db, archive, path, files, recorded, report)
    for relative in sorted(recorded):
        records = recorded[relative]
        for name in report.records:  # a record that leaves the file out disagrees too
            records.setdefault(name, "")
        if relative in sums:
            records[naming.CHECKSUMS_NAME] = sums[relative]
        content = _digest(archive, members[relative]) if relative in members else ""
        if content:  # a missing or unreadable one is reported with SHA256SUMS and the index
            records[CONTENT] = content
        by_digest: dict[str, list[str]] = {}
        for record, digest in records.items():
            by_digest.setdefault(digest, []).append(record)
        if len(by_digest) == 1:
            report.cross_checked += 1
            continue
        doc_file = files[relative]
        groups = "; ".join(
            f"{', '.join(names)}: {digest or 'không có'}"
            for digest, names in sorted(by_digest.items(), key=lambda item: -len(item[1]))
        )
        report.problems.append(
            f"Mã SHA-256 của văn bản số {doc_file.reference} (tệp {doc_file.format.upper()} "
            f"{relative}) không thống nhất giữa các bản ghi: {groups}"
        )


def _check_signatures(
    archive: zipfile.ZipFile, members: dict[str, str], report: Report, roots: Sequence[bytes]
) -> None:
    """Every document PDF holding signatures, and every one the validation report lists,
    validated offline: each signature intact, covering the document and trusted."""
    name = naming.file_name(naming.SIGNATURES_STEM, "json")
    listed: dict[str, tuple[str, int]] = {}
    if name in members:
        try:
            listed = signatures.expected(archive.read(members[name]))
        except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
            report.problems.append(f"Không đọc được {name}: {error}")
    references = _pdf_references(archive, members)
    folders = (f"{naming.DOCUMENTS_DIR}/", f"{naming.SUPERSEDED_DIR}/")
    for relative in sorted(members):
        if not (relative.startswith(folders) and relative.endswith(".pdf")):
            continue
        try:
            pdf = archive.read(members[relative])
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            continue  # reported with SHA256SUMS
        reference, count = listed.get(relative, (references.get(relative, relative), 0))
        found, reasons = signatures.check(pdf, roots)
        if not found and relative not in listed:
            continue  # an unsigned document, and not said to be signed
        what = f"văn bản số {reference} (tệp {relative})"
        if reasons:
            report.problems.append(f"Chữ ký số của {what} không hợp lệ: {' '.join(reasons)}")
        elif relative not in listed:
            report.problems.append(f"Chữ ký số của {what} không có trong tệp {name}")
        elif len(found) != count:
            report.problems.append(
                f"Tệp PDF của {what} có {len(found)} chữ ký số, tệp {name} ghi {count}"
            )
        else:
            report.signed_documents += 1
            report.signatures += len(found)


def _pdf_references(archive: zipfile.ZipFile, members: dict[str, str]) -> dict[str, str]:
    """Each document PDF's reference, as the index CSV gives it (to name a document)."""
    name = naming.file_name(naming.INDEX_STEM, "csv")
    try:
        rows = index.read_csv(archive.read(members[name])) if name in members else []
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error):
        return {}
    return {r.get(index.PDF_FILE, ""): r.get(index.REFERENCE, "") for r in rows}


Records = dict[str, tuple[DocFile, str]]


def _json_records(data: bytes) -> Records:
    return _metadata_records(json.loads(data.decode("utf-8"))["documents"])


def _xml_records(data: bytes) -> Records:
    documents = []
    for element in ElementTree.fromstring(data).findall("documents/document"):
        documents.append(
            {
                "number": element.findtext("number", ""),
                "code": element.findtext("code", ""),
                "version": element.findtext("version", "0"),
                "files": [
                    {key: f.findtext(key, "") for key in ("format", "path", "sha256")}
                    for f in element.findall("files/file")
                ],
            }
        )
    return _metadata_records(documents)


def _metadata_records(documents: list[dict[str, Any]]) -> Records:
    found: Records = {}
    for doc in documents:
        reference = f"{doc['number']}/{doc['code']}"
        for stored in doc["files"]:
            doc_file = DocFile(reference, int(str(doc["version"])), str(stored["format"]))
            found[str(stored["path"])] = (doc_file, str(stored["sha256"]).lower())
    return found


def _csv_records(data: bytes) -> Records:
    found: Records = {}
    for row in index.read_csv(data):
        for column, sha_column in zip(index.CSV_FILE_COLUMNS, index.CSV_SHA_COLUMNS, strict=True):
            relative = row.get(column, "")
            if relative:
                fmt = relative.rsplit(".", 1)[-1]
                found[relative] = (DocFile(row[index.REFERENCE], 0, fmt), row[sha_column].lower())
    return found


def _database_records(
    db: Session,
    archive: zipfile.ZipFile,
    path: Path,
    files: dict[str, DocFile],
    recorded: dict[str, dict[str, str]],
    report: Report,
) -> None:
    """The build this ZIP should be (found by its root folder's name) and the SHA-256 the
    database holds of each document file (found by reference, version and format)."""
    root = archive.namelist()[0].split("/", 1)[0]
    builds = db.execute(
        select(ArchiveBuild.id, ArchiveBuild.campaign_id, ArchiveBuild.sha256)
        .where(ArchiveBuild.filename == f"{root}.zip")
        .order_by(ArchiveBuild.id.desc())
    ).all()
    if not builds:
        report.problems.append(f"Cơ sở dữ liệu không có lần lập hồ sơ nào tên {root}.zip")
        return
    digest = _file_digest(path)
    if digest not in {b.sha256 for b in builds}:
        report.problems.append(
            f"Tệp ZIP (SHA-256 {digest}) không khớp lần lập hồ sơ nào trong cơ sở dữ liệu; "
            f"lần mới nhất #{builds[0].id} ghi {builds[0].sha256}"
        )
    case = collect(db, builds[0].campaign_id)
    stored = {(d.reference, d.version, f.format): f.sha256 for d in case.documents for f in d.files}
    for relative, doc_file in files.items():
        key = (doc_file.reference, doc_file.version, doc_file.format)
        recorded[relative][DATABASE] = stored.get(key, "")


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while piece := source.read(READ_CHUNK):
            digest.update(piece)
    return digest.hexdigest()
