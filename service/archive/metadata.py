"""Metadata of the case file and of each document (Nghị định 30, Phụ lục VI) as JSON and XML,
and the closing note (chứng từ kết thúc hồ sơ).
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from service.archive import naming
from service.archive.catalogue import LANGUAGE, PRIORITY, CaseFile, DocEntry
from service.archive.register import RegisterFile
from workflows import formatting

SCHEMA = "vanthu.ho-so/1"


def document_metadata(case: CaseFile, doc: DocEntry) -> dict[str, Any]:
    """Phụ lục VI fields of an outgoing document, plus where its files are in the archive."""
    return {
        "file_code": case.file_code,
        "order": doc.order,
        "type_name": doc.type_name,
        "number": f"{doc.number:02d}",
        "code": doc.code,
        "issued_date": doc.issue_date.isoformat(),
        "organ_name": doc.author,
        "subject": doc.subject,
        "language": LANGUAGE,
        "page_count": doc.page_count,
        "description": "; ".join(doc.notes),
        "signers": [
            {"authority": s.authority, "position": s.position, "full_name": s.full_name}
            for s in doc.signers
        ],
        "recipients": doc.recipients,
        "priority": PRIORITY,
        "copies": doc.copies,
        "due_date": None,
        "status": doc.status,
        "version": doc.version,
        "files": [
            {"format": f.format, "path": f.path, "sha256": f.sha256, "size": f.size}
            for f in doc.files
        ],
    }


def file_metadata(case: CaseFile, index_formats: list[str]) -> dict[str, Any]:
    """Phụ lục VI fields of the case file itself."""
    return {
        "file_code": case.file_code,
        "title": case.title,
        "organ_name": case.organ_name,
        "organ_code": case.organ_code,
        "keeping_unit": case.keeping_unit,
        "year": case.year,
        "language": LANGUAGE,
        "start_date": case.start_date.isoformat(),
        "end_date": case.end_date.isoformat(),
        "document_count": len(case.current),
        "superseded_count": len(case.superseded),
        "page_count": case.page_count,
        "index_formats": index_formats,
        "edition": case.edition,
    }


def as_dict(case: CaseFile, index_formats: list[str]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "file": file_metadata(case, index_formats),
        "documents": [document_metadata(case, d) for d in case.documents],
    }


def as_json(case: CaseFile, index_formats: list[str]) -> bytes:
    text = json.dumps(as_dict(case, index_formats), ensure_ascii=False, indent=2)
    return (text + "\n").encode()


def as_xml(case: CaseFile, index_formats: list[str]) -> bytes:
    """The same tree as the JSON: objects become elements, lists repeat a singular element."""
    data = as_dict(case, index_formats)
    root = ElementTree.Element("case_file", {"schema": SCHEMA, "xml:lang": "vi"})
    _fill(root, "file", data["file"])
    documents = ElementTree.SubElement(root, "documents")
    for doc in data["documents"]:
        _fill(documents, "document", doc)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


_SINGULAR = {
    "signers": "signer",
    "recipients": "recipient",
    "files": "file",
    "index_formats": "format",
}


def _fill(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _fill(element, _SINGULAR[tag], item)
    elif value is not None:
        element.text = str(value)


def closing_note(
    case: CaseFile,
    member_count: int,
    index_formats: list[str],
    index_pdf_note: str,
    register: RegisterFile,
) -> str:
    """The chứng từ kết thúc: what the file holds, from when to when, and what is missing."""
    current, old = case.current, case.superseded
    docx = sum(1 for f in case.files if f.format == "docx")
    pdf = sum(1 for f in case.files if f.format == "pdf")
    missing_pdf = [d.reference for d in current if not any(f.format == "pdf" for f in d.files)]
    label = naming.edition_label(case.edition)
    edition = (
        [f"Hồ sơ {label}: lập lại sau khi kế hoạch được mở lại; hồ sơ các lần trước vẫn được lưu."]
        if label
        else []
    )
    lines = [
        "CHỨNG TỪ KẾT THÚC HỒ SƠ",
        "",
        f"Mã hồ sơ: {case.file_code}",
        f"Tiêu đề hồ sơ: {case.title}",
        *edition,
        f"Cơ quan: {case.organ_name}; đơn vị lưu: {case.keeping_unit}",
        f"Thời gian: từ {formatting.long_date(case.start_date)} "
        f"đến {formatting.long_date(case.end_date)}",
        "",
        f"Hồ sơ gồm {len(current)} văn bản hiện hành, tổng số {case.page_count} trang, "
        f"và {len(old)} văn bản đã được thay thế (thư mục «{naming.SUPERSEDED_DIR}»).",
        f"Tệp văn bản: {docx} tệp DOCX, {pdf} tệp PDF.",
        f"Mục lục văn bản: {', '.join(f.upper() for f in index_formats)}.",
    ]
    if index_pdf_note:
        lines.append(f"Không có bản PDF của mục lục văn bản: {index_pdf_note}.")
    if case.signed:
        count = sum(len(d.signatures) for d in case.signed)
        report = naming.file_name(naming.SIGNATURES_STEM, "json")
        lines.append(
            f"Chữ ký số: {len(case.signed)} văn bản ký số (bản PDF đã ký), {count} chữ ký, "
            f"đều hợp lệ khi lập hồ sơ; kết quả xác thực trong tệp «{report}» và mục lục."
        )
    if missing_pdf:
        lines.append(f"Văn bản không có bản PDF: {', '.join(missing_pdf)}.")
    lines += [
        f"Sổ gửi văn bản: {register.count} lượt gửi"
        + (
            f", {register.unfinished} lượt chưa gửi xong khi lập hồ sơ."
            if register.unfinished
            else "."
        ),
        f"Sổ số liệu kiểm tra: {case.figures.visits} cuộc kiểm tra, "
        f"{case.figures.indicators} chỉ tiêu và dòng tổng cộng.",
        "Siêu dữ liệu theo Phụ lục VI Nghị định 30/2020/NĐ-CP: JSON và XML.",
        f"Tổng số tệp trong hồ sơ: {member_count}, kể cả tệp này và tệp {naming.CHECKSUMS_NAME} "
        "(mã SHA-256 của mọi tệp khác).",
        "",
        f"Ngày kết thúc hồ sơ: {formatting.long_date(case.end_date)}.",
        "Hồ sơ đã loại bỏ dự thảo; bản trùng chỉ giữ bản hiện hành, bản đã thay thế lưu riêng.",
    ]
    return "\r\n".join(lines) + "\r\n"
