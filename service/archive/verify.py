"""Check a case file ZIP: every checksum, every name, and the index against the files.

Reads members as streams; never extracts anything to disk.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from service.archive import index, naming

READ_CHUNK = 1024 * 1024


@dataclass
class Report:
    """What `verify_archive` found; `problems` is empty for an intact case file."""

    problems: list[str] = field(default_factory=list)
    checked: int = 0
    documents: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(path: Path) -> Report:
    report = Report()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        report.problems.append(f"Không đọc được tệp ZIP: {error}")
        return report
    with archive:
        _verify(archive, report)
    return report


def _verify(archive: zipfile.ZipFile, report: Report) -> None:
    names = [info.filename for info in archive.infolist()]
    for name in names:
        reason = naming.unsafe_reason(name)
        if reason:
            report.problems.append(f"Tên tệp không an toàn ({reason}): {name!r}")
    roots = sorted({name.split("/", 1)[0] for name in names})
    if len(roots) != 1:
        report.problems.append(f"Hồ sơ phải nằm trong đúng một thư mục gốc, có: {', '.join(roots)}")
        return
    root = roots[0]
    sums_name = f"{root}/{naming.CHECKSUMS_NAME}"
    if sums_name not in names:
        report.problems.append(f"Thiếu tệp {naming.CHECKSUMS_NAME}")
        return
    try:
        sums = _read_sums(archive.read(sums_name).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error) as error:
        report.problems.append(f"Tệp {naming.CHECKSUMS_NAME} bị hỏng: {error}")
        return
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
