"""Write the case file ZIP member by member into a file (`service.commands.archiving` runs the job).

Byte-identical output for the same data: members in a fixed order, each stamped with a date
from the data (a document's issue date, the closing date for the rest), fixed attributes, and
fixed compression (DOCX and PDF are already compressed and are stored, text is deflated).
A signed document's PDF is its fully signed revision, validated before anything is written.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service.archive import figures, index, metadata, naming, signatures
from service.archive.catalogue import CaseFile, FileEntry
from service.archive.register import RegisterFile
from service.documents.libreoffice import Converter
from service.runner import PermanentError

Progress = Callable[[int, int], None]

NO_LIBREOFFICE = "LibreOffice không khả dụng khi lập hồ sơ"
UTF8_FLAG = 0x800


class _Utf8Info(zipfile.ZipInfo):
    """Every name stored as UTF-8 with general purpose bit 11, ASCII-only names included,
    so that Windows and macOS never guess a code page."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("utf-8"), self.flag_bits | UTF8_FLAG


class ArchiveWriter:
    """A ZIP with one root folder; remembers each member's SHA-256 for SHA256SUMS."""

    def __init__(self, path: Path, root: str) -> None:
        self.root = root
        self.sums: list[tuple[str, str]] = []
        self._zip = zipfile.ZipFile(path, "w", allowZip64=True)

    def add(self, relative: str, data: bytes, day: date, *, compress: bool) -> None:
        stamp = (day.year, day.month, day.day, 0, 0, 0)
        info = _Utf8Info(naming.join(self.root, relative), date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, data)
        self.sums.append((relative, hashlib.sha256(data).hexdigest()))

    def finish(self, day: date) -> None:
        """SHA256SUMS last, over every other member (`sha256sum -c` reads it in the root)."""
        lines = "".join(f"{digest}  {relative}\n" for relative, digest in self.sums)
        self.add(naming.CHECKSUMS_NAME, lines.encode(), day, compress=True)
        self._zip.close()

    def abort(self) -> None:
        self._zip.close()


@dataclass(frozen=True)
class Built:
    members: int
    index_formats: list[str]


def member_count(case: CaseFile, with_pdf_index: bool) -> int:
    """Index (2 or 3), document files, metadata (2), the validation report of signatures (when
    a document is signed), register of dispatches, register of figures, closing note,
    SHA256SUMS."""
    return (3 if with_pdf_index else 2) + len(case.files) + 6 + (1 if case.signed else 0)


def _checked(read_file: Callable[[int], bytes], stored: FileEntry) -> bytes:
    content = read_file(stored.file_id)
    if hashlib.sha256(content).hexdigest() != stored.sha256:
        raise PermanentError(f"Tệp {stored.path} trong cơ sở dữ liệu không khớp mã SHA-256 đã lưu")
    return content


def write_archive(
    path: Path,
    case: CaseFile,
    register: RegisterFile,
    read_file: Callable[[int], bytes],
    converter: Converter | None,
    progress: Progress,
    roots: Sequence[bytes] = (),
) -> Built:
    """Write the whole case file to `path`, reading one document file at a time; signed PDFs
    are validated against `roots` (the trusted root certificates) first, for the index."""
    total = member_count(case, converter is not None)
    closing = case.end_date
    signatures.validate_case(case, lambda stored: _checked(read_file, stored), roots)
    writer = ArchiveWriter(path, case.root)
    try:
        index_docx = index.index_docx(case)
        formats = ["docx", "csv"]
        if converter is not None:
            pdf = index.index_pdf(case, converter)
            writer.add(naming.file_name(naming.INDEX_STEM, "pdf"), pdf, closing, compress=False)
            formats.insert(0, "pdf")
        writer.add(naming.file_name(naming.INDEX_STEM, "docx"), index_docx, closing, compress=False)
        csv = index.index_csv(case)
        writer.add(naming.file_name(naming.INDEX_STEM, "csv"), csv, closing, compress=True)
        progress(len(writer.sums), total)
        for doc in case.documents:
            for stored in doc.files:
                content = _checked(read_file, stored)
                writer.add(stored.path, content, doc.issue_date, compress=False)
                progress(len(writer.sums), total)
        for extension, data in (
            ("json", metadata.as_json(case, formats)),
            ("xml", metadata.as_xml(case, formats)),
        ):
            writer.add(
                naming.file_name(naming.METADATA_STEM, extension), data, closing, compress=True
            )
        if case.signed:
            report = signatures.as_json(case)
            name = naming.file_name(naming.SIGNATURES_STEM, "json")
            writer.add(name, report, closing, compress=True)
        writer.add(naming.REGISTER_NAME, register.data, closing, compress=True)
        writer.add(naming.FIGURES_NAME, figures.as_csv(case.figures), closing, compress=True)
        note = metadata.closing_note(
            case, total, formats, "" if converter else NO_LIBREOFFICE, register
        )
        writer.add(naming.CLOSING_NAME, note.encode(), closing, compress=True)
        writer.finish(closing)
    except BaseException:
        writer.abort()
        raise
    progress(total, total)
    return Built(total, formats)
