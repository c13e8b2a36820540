"""What a district office sends before its visit: its own report file and its figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base
from service.models.campaign import Visit
from service.timeutil import utcnow


class DistrictSubmission(Base):
    """One visit's submission by the inspected office. Its figures stay as the office gave them;
    the team's, confirmed or corrected on site, are the visit's own (`Visit.statistics`)."""

    __tablename__ = "district_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    statistics: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    figures_by: Mapped[str] = mapped_column(String(100), default="")
    figures_at: Mapped[datetime | None] = mapped_column(DateTime)
    report_content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    report_name: Mapped[str] = mapped_column(String(255), default="")
    report_format: Mapped[str] = mapped_column(String(8), default="")
    report_sha256: Mapped[str] = mapped_column(String(64), default="")
    report_size: Mapped[int] = mapped_column(Integer, default=0)
    report_by: Mapped[str] = mapped_column(String(100), default="")
    report_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    visit: Mapped[Visit] = relationship()
