"""What goes into a campaign's case file, read from the database in one short transaction.

The catalogue holds names, dates and file ids, never file contents: the builder fetches each
file by id when it writes it, so memory does not grow with the number of documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.archive import figures, naming
from service.archive.figures import Figures
from service.errors import NotFound
from service.models import (
    Campaign,
    Document,
    DocumentFile,
    LifecycleEvent,
    Organisation,
    Signature,
    Target,
)
from workflows import formatting, titles
from workflows.documents import FILING_ORDER, KINDS
from workflows.lifecycle import REOPEN
from workflows.signing import revision_format
from workflows.vocabulary import DocumentStatus, SignatureState

if TYPE_CHECKING:
    from service.signing.validation import SignatureReport

LANGUAGE = "Tiếng Việt"
PRIORITY = "Thường"
FORMATS = ("docx", "pdf")


@dataclass(frozen=True)
class FileEntry:
    """One stored file of a document and its place in the archive."""

    file_id: int
    format: str
    path: str  # relative to the archive root
    sha256: str
    size: int


@dataclass(frozen=True)
class Signer:
    authority: str
    position: str
    full_name: str


@dataclass
class DocEntry:
    """One issued (or superseded) document as the index and the metadata describe it."""

    order: int
    doc_id: int
    kind: str
    status: str
    version: int
    number: int
    code: str
    reference: str
    issue_date: date
    type_name: str
    subject: str
    author: str
    page_count: int | None
    signers: list[Signer]
    recipients: list[str]
    copies: int
    notes: list[str] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    signed: bool = False  # its PDF entry is the fully signed revision (issued PDF first)
    # Each signature of that PDF as validated when the case file is built (the builder fills it).
    signatures: list[SignatureReport] = field(default_factory=list)

    @property
    def type_and_subject(self) -> str:
        """`Kế hoạch kiểm tra công tác …`: the index's «Tên loại và trích yếu nội dung»."""
        return f"{self.type_name} {self.subject[:1].lower()}{self.subject[1:]}".strip()

    @property
    def date_text(self) -> str:
        return formatting.short_date(self.issue_date)

    @property
    def pdf(self) -> FileEntry | None:
        return next((f for f in self.files if f.format == "pdf"), None)


@dataclass
class CaseFile:
    """The whole case file of one campaign, ready to be written."""

    campaign_id: int
    file_code: str
    title: str
    organ_name: str
    organ_code: str
    keeping_unit: str
    year: int
    root: str
    documents: list[DocEntry]
    problems: list[str]
    figures: Figures  # the register of figures, from the held visits
    edition: int = 1  # 2 once the campaign was reopened and archived again, and so on

    @property
    def current(self) -> list[DocEntry]:
        return [d for d in self.documents if d.status == DocumentStatus.ISSUED]

    @property
    def superseded(self) -> list[DocEntry]:
        return [d for d in self.documents if d.status == DocumentStatus.SUPERSEDED]

    @property
    def start_date(self) -> date:
        return min(d.issue_date for d in self.documents)

    @property
    def end_date(self) -> date:
        """The closing date: the newest issue date, which also stamps the generated files."""
        return max(d.issue_date for d in self.documents)

    @property
    def page_count(self) -> int:
        return sum(d.page_count or 0 for d in self.current)

    @property
    def files(self) -> list[FileEntry]:
        return [f for d in self.documents for f in d.files]

    @property
    def signed(self) -> list[DocEntry]:
        return [d for d in self.documents if d.signed]


def file_code(campaign: Campaign) -> str:
    """Phụ lục VI «Mã hồ sơ»: organ code, year, file notation (campaign number and unit)."""
    unit = campaign.unit.code if campaign.unit else campaign.issuer.code
    return f"{campaign.issuer.code}.{campaign.year}.{campaign.id:02d}.{unit}"


def case_title(campaign: Campaign) -> str:
    """`Hồ sơ kiểm tra công tác …` (the campaign title names what is inspected)."""
    return f"Hồ sơ kiểm tra {titles.subject(campaign.title)}"


def filing_key(doc: Document) -> tuple[int, date, int, int]:
    """FILING_ORDER, then issue date, then number (then id, for ties across registers)."""
    rank = FILING_ORDER.index(doc.kind) if doc.kind in FILING_ORDER else len(FILING_ORDER)
    return (rank, doc.issue_date or date.min, doc.number or 0, doc.id)


def collect(db: Session, campaign_id: int) -> CaseFile:
    """Read the campaign's issued and superseded documents (drafts never) into a CaseFile."""
    campaign = db.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("kế hoạch", campaign_id)
    docs = db.scalars(
        select(Document).where(
            Document.campaign_id == campaign_id,
            Document.status.in_((DocumentStatus.ISSUED, DocumentStatus.SUPERSEDED)),
            Document.number.is_not(None),
        )
    ).all()
    current = sorted((d for d in docs if d.status == DocumentStatus.ISSUED), key=filing_key)
    old = sorted((d for d in docs if d.status == DocumentStatus.SUPERSEDED), key=filing_key)
    files = _files(db, [d.id for d in docs])
    signing = _signing(db, [d.id for d in docs])
    districts = _districts(db, campaign_id)
    code = file_code(campaign)
    title = case_title(campaign)
    edition = 1 + int(
        db.scalar(
            select(func.count())
            .select_from(LifecycleEvent)
            .where(LifecycleEvent.campaign_id == campaign_id, LifecycleEvent.action == REOPEN)
        )
        or 0
    )
    case = CaseFile(
        campaign_id=campaign_id,
        file_code=code,
        title=title,
        organ_name=campaign.issuer.name,
        organ_code=campaign.issuer.code,
        keeping_unit=campaign.unit.name if campaign.unit else campaign.issuer.name,
        year=campaign.year,
        root=naming.root_name(code, campaign.title, edition),
        documents=[],
        problems=[],
        figures=figures.read(db, campaign),
        edition=edition,
    )
    width = max(2, len(str(len(docs))))
    by_subject = {(d.kind, d.subject_key): d for d in current}
    for order, doc in enumerate([*current, *old], start=1):
        entry = _entry(order, doc, campaign, files.get(doc.id, {}))
        folder = (
            naming.DOCUMENTS_DIR if doc.status == DocumentStatus.ISSUED else naming.SUPERSEDED_DIR
        )
        stem = naming.document_stem(
            order, width, doc.reference, KINDS[doc.kind].label, districts.get(doc.target_id, "")
        )
        signed = _signed_revision(files.get(doc.id, {}), signing.get(doc.id))
        entry.signed = signed is not None
        for fmt in FORMATS:
            stored = signed if fmt == "pdf" and signed else files.get(doc.id, {}).get(fmt)
            if stored is not None:
                path = naming.join(folder, naming.file_name(stem, fmt))
                entry.files.append(FileEntry(stored.id, fmt, path, stored.sha256, stored.size))
        _annotate(entry, doc, files.get(doc.id, {}), by_subject, old)
        if doc.id in signing and not entry.signed:
            entry.notes.append("Chưa ký số đủ")
        case.documents.append(entry)
    case.problems = _problems(docs, files, signing)
    if not current:
        case.problems.append("Chưa có văn bản nào được ban hành")
    elif not any(d.kind == "BC" for d in current):
        case.problems.append("Chưa ban hành báo cáo kết quả kiểm tra")
    return case


@dataclass(frozen=True)
class _Stored:
    id: int
    sha256: str
    size: int
    page_count: int | None


def _files(db: Session, doc_ids: list[int]) -> dict[int, dict[str, _Stored]]:
    """Each document's stored files, without their contents."""
    found: dict[int, dict[str, _Stored]] = {}
    if not doc_ids:
        return found
    rows = db.execute(
        select(
            DocumentFile.id,
            DocumentFile.document_id,
            DocumentFile.format,
            DocumentFile.sha256,
            DocumentFile.size,
            DocumentFile.page_count,
        ).where(DocumentFile.document_id.in_(doc_ids))
    )
    for row in rows:
        found.setdefault(row.document_id, {})[row.format] = _Stored(
            row.id, row.sha256, row.size, row.page_count
        )
    return found


def _signing(db: Session, doc_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Each document's signing order as (step, state), for the documents that have one."""
    found: dict[int, list[tuple[int, str]]] = {}
    if not doc_ids:
        return found
    rows = db.execute(
        select(Signature.document_id, Signature.step, Signature.state)
        .where(Signature.document_id.in_(doc_ids))
        .order_by(Signature.document_id, Signature.step)
    )
    for row in rows:
        found.setdefault(row.document_id, []).append((row.step, row.state))
    return found


def _signed_revision(
    files: dict[str, _Stored], steps: list[tuple[int, str]] | None
) -> _Stored | None:
    """The PDF after the last signature once every one is applied (as `fully_signed` finds it),
    or None: not signed (signing off when it was issued) or not yet fully."""
    if not steps or any(state != SignatureState.SIGNED for _, state in steps):
        return None
    return files.get(revision_format(steps[-1][0]))


def _districts(db: Session, campaign_id: int) -> dict[int | None, str]:
    rows = db.execute(
        select(Target.id, Organisation.district, Organisation.name)
        .join(Organisation, Organisation.id == Target.office_id)
        .where(Target.campaign_id == campaign_id)
    )
    return {row.id: row.district or row.name for row in rows}


def _entry(order: int, doc: Document, campaign: Campaign, files: dict[str, _Stored]) -> DocEntry:
    context: dict[str, Any] = doc.context or {}
    kind = KINDS[doc.kind]
    pdf = files.get("pdf")
    recipients = [_recipient(line) for line in context.get("recipients", [])]
    return DocEntry(
        order=order,
        doc_id=doc.id,
        kind=doc.kind,
        status=doc.status,
        version=doc.version,
        number=int(doc.number or 0),
        code=doc.code,
        reference=doc.reference,
        issue_date=doc.issue_date or date(doc.year, 1, 1),
        type_name=kind.type_name.capitalize(),
        subject=" ".join(str(line) for line in context.get("subject_lines", [])) or doc.title,
        author=(
            f"Đoàn kiểm tra ({campaign.issuer.name})"
            if kind.issued_by_team
            else campaign.issuer.name
        ),
        page_count=pdf.page_count if pdf else None,
        signers=_signers(context),
        recipients=recipients,
        copies=_copies(recipients),
    )


def _recipient(line: str) -> str:
    return str(line).strip().removeprefix("-").strip().rstrip(";.").strip()


def _copies(recipients: list[str]) -> int:
    """One copy per line of «Nơi nhận»; the «Lưu: VT, X» line counts each keeper named."""
    count = 0
    for name in recipients:
        if name.startswith("Lưu:"):
            count += len([k for k in name.removeprefix("Lưu:").split(",") if k.strip()])
        else:
            count += 1
    return count


def _signers(context: dict[str, Any]) -> list[Signer]:
    """The signers: both columns of minutes, else the single signature block."""
    blocks = list((context.get("signatures") or {}).values()) or [context.get("signer") or {}]
    return [
        Signer(
            str(b.get("authority") or b.get("title") or ""),
            str(b.get("position", "")),
            str(b.get("name", "")),
        )
        for b in blocks
        if isinstance(b, dict) and b.get("name")
    ]


def _annotate(
    entry: DocEntry,
    doc: Document,
    files: dict[str, _Stored],
    by_subject: dict[tuple[str, str], Document],
    old: list[Document],
) -> None:
    """Notes of the index: what replaced what, and which files are missing and why."""
    if doc.status == DocumentStatus.SUPERSEDED:
        newer = by_subject.get((doc.kind, doc.subject_key))
        entry.notes.append(
            f"Đã được thay thế bởi văn bản số {newer.reference}" if newer else "Đã được thay thế"
        )
    else:
        replaced = [
            d.reference for d in old if (d.kind, d.subject_key) == (doc.kind, doc.subject_key)
        ]
        if replaced:
            entry.notes.append(f"Thay thế văn bản số {', '.join(replaced)}")
    if "docx" not in files:
        entry.notes.append("Không có bản DOCX")
    if "pdf" not in files:
        entry.notes.append(
            f"Không có bản PDF: {doc.pdf_note}" if doc.pdf_note else "Không có bản PDF"
        )


def _problems(
    docs: Sequence[Document],
    files: dict[int, dict[str, _Stored]],
    signing: dict[int, list[tuple[int, str]]],
) -> list[str]:
    """What keeps the file from being built now: issued documents not rendered, converted or
    fully signed.

    A superseded version that never got its DOCX (superseded before its render ran) never will,
    so it does not block; one whose PDF is still being made does. A superseded one left
    half-signed is filed with its issued PDF (and a note): nobody signs it any more.
    """
    no_docx = [
        d for d in docs if d.status == DocumentStatus.ISSUED and "docx" not in files.get(d.id, {})
    ]
    no_pdf = [
        d
        for d in docs
        if "docx" in files.get(d.id, {}) and "pdf" not in files[d.id] and not d.pdf_note
    ]
    unsigned = [
        d
        for d in docs
        if d.status == DocumentStatus.ISSUED
        and d.id in signing
        and _signed_revision(files.get(d.id, {}), signing[d.id]) is None
    ]
    problems = []
    if no_docx:
        problems.append(f"{len(no_docx)} văn bản chưa có bản DOCX: {_references(no_docx)}")
    if no_pdf:
        problems.append(f"{len(no_pdf)} văn bản chưa chuyển xong sang PDF: {_references(no_pdf)}")
    if unsigned:
        problems.append(f"{len(unsigned)} văn bản chưa ký số xong: {_references(unsigned)}")
    return problems


def _references(docs: list[Document], shown: int = 5) -> str:
    """The first few references in filing order, and how many more."""
    ordered = sorted(docs, key=filing_key)
    text = ", ".join(d.reference for d in ordered[:shown])
    return text + (f" và {len(ordered) - shown} văn bản khác" if len(ordered) > shown else "")
