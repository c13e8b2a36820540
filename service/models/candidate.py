"""A template uploaded to replace a kind's current one, waiting to be accepted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.database import Base
from service.timeutil import utcnow


class TemplateCandidate(Base):
    """One per kind: it passed the check; its preview PDF (rendered from the sample data by a
    job) is looked at before it becomes the kind's next `Template` version."""

    __tablename__ = "template_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    preview_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Why there is no preview: the render failed, or no LibreOffice to make the PDF.
    preview_note: Mapped[str] = mapped_column(Text, default="")
