"""Validate every signature of a PDF: who, when, PAdES level, valid or not and why (Vietnamese)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.generic import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

VIETNAM = timezone(timedelta(hours=7))
_ACCEPTED_LATER = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
)


class UnreadablePdf(Exception):
    """The file is not a PDF pyHanko can read; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignatureReport:
    """One signature's verdict, as the document page and the case file show it."""

    field: str
    signer: str
    organisation: str
    signed_at: datetime | None
    timestamped: bool
    level: str
    intact: bool
    trusted: bool
    covers_document: bool
    valid: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["signed_at"] = self.signed_at.isoformat() if self.signed_at else None
        return data


def read_pdf(pdf: bytes) -> PdfFileReader:
    """A lenient reader (files from outside tools may need it), or UnreadablePdf."""
    if not pdf.lstrip()[:5] == b"%PDF-":
        raise UnreadablePdf("Tệp không phải là văn bản PDF.")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        _ = reader.root
    except Exception as exc:  # pyHanko raises many kinds on broken files
        raise UnreadablePdf("Không đọc được tệp PDF (tệp hỏng).") from exc
    return reader


def load_roots(roots: Sequence[bytes]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM or DER bytes (each item may hold several PEM certificates)."""
    return [cert for data in roots for cert in load_certs_from_pemder_data(data)]


def validation_context_for(
    roots: Sequence[bytes], *, allow_fetching: bool = True, reader: PdfFileReader | None = None
) -> ValidationContext:
    """Trust exactly `roots`; use the document's embedded revocation data (DSS) when given a
    reader; fetch CRLs/OCSP over the network only when allowed. Missing revocation data is
    tolerated (soft-fail); a revoked certificate is not."""
    kwargs: dict[str, Any] = {
        "trust_roots": load_roots(roots),
        "allow_fetching": allow_fetching,
        "revocation_mode": "soft-fail",
    }
    if reader is not None:
        try:
            return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
        except NoDSSFoundError:
            pass
    return ValidationContext(**kwargs)


def _has_timestamp(sig: EmbeddedPdfSignature) -> bool:
    unsigned = sig.signer_info["unsigned_attrs"]
    if not unsigned:
        return False
    return any(attr["type"].native == "signature_time_stamp_token" for attr in unsigned)


def _has_revocation_info(reader: PdfFileReader, sig: EmbeddedPdfSignature) -> bool:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return False
    if dss.ocsps:
        return True
    issuer = sig.signer_cert.issuer
    for ref in dss.crls:
        crl = asn1_crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL))
        if crl.issuer == issuer:
            return True
    return False


def _level(reader: PdfFileReader, sig: EmbeddedPdfSignature) -> str:
    if not _has_timestamp(sig):
        return "B-B"
    return "B-LT" if _has_revocation_info(reader, sig) else "B-T"


def signature_level(pdf: bytes, field: str) -> str:
    """The PAdES level the signature in `field` reaches, judged from the file itself."""
    reader = read_pdf(pdf)
    for sig in reader.embedded_regular_signatures:
        if sig.field_name == field:
            return _level(reader, sig)
    raise LookupError(field)


def _name_part(cert: asn1_x509.Certificate, part: str) -> str:
    value = cert.subject.native.get(part, "")
    return value[0] if isinstance(value, list) else str(value)


def _covers(status: PdfSignatureStatus) -> bool:
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level in _ACCEPTED_LATER
        and status.docmdp_ok is not False
    )


def _reason(status: PdfSignatureStatus, covers: bool) -> str:
    if not (status.intact and status.valid):
        return "Chữ ký không còn nguyên vẹn: nội dung văn bản đã bị thay đổi sau khi ký."
    if status.revoked:
        return "Chứng thư số của người ký đã bị thu hồi."
    if not status.trusted:
        return "Chứng thư số của người ký không thuộc tổ chức chứng thực được tin cậy."
    if not covers:
        return "Văn bản đã bị sửa đổi sau khi ký (không chỉ là ký tiếp)."
    tst = status.timestamp_validity
    if tst is not None and not (tst.intact and tst.valid and tst.trusted):
        return "Dấu thời gian của chữ ký không hợp lệ."
    return ""


def _report(
    reader: PdfFileReader, sig: EmbeddedPdfSignature, roots: Sequence[bytes], fetch: bool
) -> SignatureReport:
    field = str(sig.field_name)
    try:
        cert = sig.signer_cert
        context = validation_context_for(roots, allow_fetching=fetch, reader=reader)
        status = validate_pdf_signature(sig, context)
    except Exception as exc:  # a mangled signature must give a report, not a crash
        return SignatureReport(
            field,
            "",
            "",
            None,
            False,
            "",
            False,
            False,
            False,
            False,
            f"Không kiểm tra được chữ ký: {type(exc).__name__}.",
        )
    covers = _covers(status)
    reason = _reason(status, covers)
    tst = status.timestamp_validity
    signed_at = tst.timestamp if tst is not None else status.signer_reported_dt
    return SignatureReport(
        field=field,
        signer=_name_part(cert, "common_name"),
        organisation=_name_part(cert, "organization_name"),
        signed_at=signed_at.astimezone(VIETNAM) if signed_at else None,
        timestamped=tst is not None,
        level=_level(reader, sig),
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_document=covers,
        valid=not reason,
        reason=reason,
    )


def validate(
    pdf: bytes, roots: Sequence[bytes], allow_fetching: bool = False
) -> list[SignatureReport]:
    """One report per signature, in signing order; UnreadablePdf when it is not a PDF."""
    reader = read_pdf(pdf)
    try:
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:
        raise UnreadablePdf("Không đọc được các chữ ký trong tệp PDF.") from exc
    return [_report(reader, sig, roots, allow_fetching) for sig in signatures]
