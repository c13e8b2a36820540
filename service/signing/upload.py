"""Accept a PDF signed by the signer's own tool (VGCA / Viettel-CA pattern) only if it is the
issued PDF plus exactly one valid signature in the expected field, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel

from service.signing.validation import SignatureReport, UnreadablePdf, read_pdf, validate


class Refused(Exception):
    """The upload is refused; `reason` (Vietnamese) says why. The issued PDF is untouched."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_upload(
    issued: bytes, uploaded: bytes, field: str, roots: Sequence[bytes]
) -> list[SignatureReport]:
    """The reports of every signature of `uploaded`, or Refused. `issued` is the prepared PDF
    that was handed out for signing."""
    try:
        reader = read_pdf(uploaded)
    except UnreadablePdf as exc:
        raise Refused(exc.reason) from exc
    if not uploaded.startswith(issued):
        raise Refused(
            "Phần đầu của tệp tải lên không trùng với văn bản đã phát hành (SHA-256 khác)."
        )
    handed_out = read_pdf(issued)
    base_revision = handed_out.xrefs.total_revisions - 1
    before = {sig.field_name for sig in handed_out.embedded_regular_signatures}
    reports = validate(uploaded, roots)
    new = [r for r in reports if r.field not in before]
    if [r.field for r in new] != [field]:
        raise Refused(f"Tệp tải lên phải có đúng một chữ ký mới, ở ô ký “{field}”.")
    report = new[0]
    if not report.intact:
        raise Refused(report.reason or "Chữ ký mới không hợp lệ.")
    if not report.trusted:
        raise Refused(report.reason)
    if not report.covers_document:
        raise Refused("Chữ ký mới không bao trùm toàn bộ tệp (trừ phần chứa chữ ký).")
    # the signer's revision may only fill in that one signature field
    diff = DEFAULT_DIFF_POLICY.review_file(reader, base_revision)
    if (
        not isinstance(diff, DiffResult)
        or diff.modification_level > ModificationLevel.FORM_FILLING
        or not diff.changed_form_fields <= {field}
    ):
        raise Refused("Tệp tải lên thay đổi nội dung văn bản, không chỉ thêm chữ ký.")
    if not report.valid:
        raise Refused(report.reason)
    invalid = [r for r in reports if not r.valid]
    if invalid:
        raise Refused(f"Chữ ký “{invalid[0].field}” không còn hợp lệ: {invalid[0].reason}")
    return reports
