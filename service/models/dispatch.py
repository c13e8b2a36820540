"""E-mail dispatches: one row per (document version, recipient address, purpose)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base
from service.models.document import Document
from service.timeutil import utcnow
from workflows.vocabulary import DispatchPurpose, DispatchState


class Dispatch(Base):
    """One e-mail of one document to one address; doubles as the outgoing register."""

    __tablename__ = "dispatches"
    __table_args__ = (UniqueConstraint("document_id", "address", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16), default=DispatchPurpose.DOCUMENT)
    recipient_name: Mapped[str] = mapped_column(String(300))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    address: Mapped[str] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(16), default=DispatchState.QUEUED, index=True)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    document: Mapped[Document] = relationship()
