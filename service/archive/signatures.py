"""Digital signatures in the case file: each signed PDF validated when the file is built (the
validation report member and a section of the index), and again, offline, by verify-archive.

Validation never trusts a stored verdict (`Signature.report`): it reads the PDF filed and the
trust roots given, so a build or a check tells what the bytes in the archive are worth now.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from service.archive.catalogue import CaseFile, DocEntry, FileEntry
from service.runner import PermanentError
from service.signing.validation import SignatureReport, UnreadablePdf, validate

SCHEMA = "vanthu.chu-ky-so/1"
VALID, INVALID = "Hợp lệ", "Không hợp lệ"
NONE_FOUND = "Không tìm thấy chữ ký số nào trong tệp PDF."


def check(pdf: bytes, roots: Sequence[bytes]) -> tuple[list[SignatureReport], list[str]]:
    """The PDF's signatures validated offline, and why it fails (empty when all are valid)."""
    try:
        reports = validate(pdf, roots)
    except UnreadablePdf as error:
        return [], [error.reason]
    if not reports:
        return [], [NONE_FOUND]
    return reports, [f"{r.field}: {r.reason}" for r in reports if not r.valid]


def validate_case(
    case: CaseFile, read: Callable[[FileEntry], bytes], roots: Sequence[bytes]
) -> None:
    """Fill each signed document's `signatures`, validated now; a PermanentError naming every
    document whose signatures do not all validate, rather than filing them silently."""
    failures = []
    for doc in case.signed:
        pdf = doc.pdf
        assert pdf is not None  # a signed document's PDF is its signed revision
        doc.signatures, reasons = check(read(pdf), roots)
        if reasons:
            failures.append(f"văn bản số {doc.reference} ({' '.join(reasons)})")
    if failures:
        raise PermanentError("Chữ ký số không hợp lệ, chưa lập được hồ sơ: " + "; ".join(failures))


def as_json(case: CaseFile) -> bytes:
    """The validation report member: per signed document, its PDF and each signature's
    verdict as validated at build time."""
    return json.dumps(
        {
            "schema": SCHEMA,
            "file_code": case.file_code,
            "documents": [_document(doc) for doc in case.signed],
        },
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    ).encode("utf-8")


def _document(doc: DocEntry) -> dict[str, Any]:
    pdf = doc.pdf
    assert pdf is not None
    return {
        "order": doc.order,
        "reference": doc.reference,
        "status": doc.status,
        "path": pdf.path,
        "sha256": pdf.sha256,
        "signatures": [report.to_dict() for report in doc.signatures],
    }


def expected(data: bytes) -> dict[str, tuple[str, int]]:
    """From a validation report member: each signed PDF's path -> (reference, signatures)."""
    return {
        str(doc["path"]): (str(doc["reference"]), len(doc["signatures"]))
        for doc in json.loads(data.decode("utf-8"))["documents"]
    }


def index_rows(case: CaseFile) -> list[list[str]]:
    """The index's section on signatures: one row per signature of each signed document."""
    return [
        [
            str(doc.order),
            doc.reference,
            _who(report),
            report.signed_at.isoformat(timespec="seconds") if report.signed_at else "",
            report.level,
            VALID if report.valid else f"{INVALID}: {report.reason}",
        ]
        for doc in case.signed
        for report in doc.signatures
    ]


def _who(report: SignatureReport) -> str:
    """The signer and their organisation; the organisation alone for its seal."""
    if report.signer == report.organisation or not report.organisation:
        return report.signer
    return f"{report.signer}, {report.organisation}"
