"""The signatures an issued document needs before it is sent, each a row with its own state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base
from service.models.document import Document
from service.timeutil import utcnow
from workflows.vocabulary import SignatureState


class Signature(Base):
    """One step of a document's signing order (workflows.signing.plan), frozen when its PDF is
    ready. A server-side signing is a job; a signer's own tool uses the one-time link pair."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("document_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    party: Mapped[str] = mapped_column(String(16))
    image: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    above: Mapped[str] = mapped_column(String(300), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    state: Mapped[str] = mapped_column(String(16), default=SignatureState.WAITING)
    method: Mapped[str] = mapped_column(String(16), default="")
    signed_by: Mapped[str] = mapped_column(String(100), default="")
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    level: Mapped[str] = mapped_column(String(8), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The signature as validated when it was applied (service.signing.validation.SignatureReport).
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The one-time link pair handed to a signer's own tool: SHA-256 of each token, and when the
    # pair lapses. The download token is spent by its first use, the upload token by a success.
    download_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    upload_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    links_expire_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    document: Mapped[Document] = relationship()
