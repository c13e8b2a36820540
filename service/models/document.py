"""Official documents, their stored files, the numbering registers and the templates."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base
from service.timeutil import utcnow
from workflows.vocabulary import DocumentStatus

if TYPE_CHECKING:
    from service.models.campaign import Target


class Register(Base):
    """The outgoing register of one organisation, year and series; numbers restart each year."""

    __tablename__ = "registers"
    __table_args__ = (UniqueConstraint("organisation_id", "year", "series"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    series: Mapped[str] = mapped_column(String(16))
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class RegisterEntry(Base):
    """A number of a register issued outside the system (before adopting it, or by hand): kept
    so that issuing never takes it again, and listed in the register export."""

    __tablename__ = "register_entries"
    __table_args__ = (UniqueConstraint("register_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    signer: Mapped[str] = mapped_column(String(200), default="")
    recipients: Mapped[str] = mapped_column(Text, default="")
    keeper: Mapped[str] = mapped_column(String(200), default="")
    copies: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    register: Mapped[Register] = relationship()

    @property
    def reference(self) -> str:
        """`05/KH-SLĐTBXH`, as an issued document's."""
        return f"{self.number:02d}/{self.code}"


class Document(Base):
    """One version of one official document; issued versions never change."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("campaign_id", "kind", "subject_key", "version"),
        UniqueConstraint("issuer_id", "year", "number", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    subject_key: Mapped[str] = mapped_column(String(64), default="")
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.DRAFT)
    title: Mapped[str] = mapped_column(Text, default="")
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    register_id: Mapped[int | None] = mapped_column(ForeignKey("registers.id"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64), default="")
    issue_date: Mapped[date | None] = mapped_column(Date)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("templates.id"))
    pdf_note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    issued_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)

    files: Mapped[list[DocumentFile]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentFile.id"
    )
    target: Mapped[Target | None] = relationship(viewonly=True)

    @property
    def reference(self) -> str:
        """`05/KH-SLĐTBXH` once issued, empty before."""
        return f"{self.number:02d}/{self.code}" if self.number is not None else ""


class DocumentFile(Base):
    """A rendered file of a document (DOCX or PDF), kept in the database with its SHA-256."""

    __tablename__ = "document_files"
    __table_args__ = (UniqueConstraint("document_id", "format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    format: Mapped[str] = mapped_column(String(8))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    document: Mapped[Document] = relationship(back_populates="files")


class Template(Base):
    """A DOCX template version for a document kind; the newest active one is used."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
