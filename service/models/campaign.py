"""A campaign: the plan's every field, its targets, team and visits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base
from service.models.organisation import Organisation, Person, Signer
from service.models.versioned import Versioned
from service.timeutil import utcnow
from workflows.lifecycle import Stage
from workflows.vocabulary import VisitStatus


class Campaign(Versioned, Base):
    """One inspection campaign of an issuing organisation in one year."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("signers.id"))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    subject_lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_bases: Mapped[list[str]] = mapped_column(JSON, default=list)
    introduction: Mapped[str] = mapped_column(Text, default="")
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    requirements: Mapped[str] = mapped_column(Text, default="")
    contents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    targets_description: Mapped[list[str]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(Text, default="")
    composition: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_window: Mapped[str] = mapped_column(Text, default="")
    time_note: Mapped[str] = mapped_column(Text, default="")
    closing_paragraphs: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    report_sections: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # The inspection the plan defines: how documents cite its programme, the figures each visit
    # collects, what a notice asks the unit to prepare, the sub-unit chosen in each district and
    # whom the report goes to. Data of the campaign (from a preset or a copy), never code.
    programme: Mapped[str] = mapped_column(Text, default="")
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    preparation: Mapped[list[str]] = mapped_column(JSON, default=list)
    sub_unit_label: Mapped[str] = mapped_column(Text, default="")
    report_recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Kind → its signing order, where the campaign's differs from workflows.signing.ORDERS.
    signing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stage: Mapped[str] = mapped_column(String(32), default=Stage.PLAN_DRAFTED)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    issuer: Mapped[Organisation] = relationship(foreign_keys=[issuer_id])
    unit: Mapped[Organisation | None] = relationship(foreign_keys=[unit_id])
    signer: Mapped[Signer | None] = relationship()
    targets: Mapped[list[Target]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Target.position"
    )
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="TeamMember.id"
    )


class _CampaignPart:
    """A row of one campaign's own (a target, a team member), unique within it."""

    # First in the table, as the migrations made it.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True, sort_order=-1)


class Target(_CampaignPart, Versioned, Base):
    """An inspected office and the commune steering committee it chose."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("campaign_id", "office_id"),)

    office_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="targets")
    # Read in the targets' own query (joined): every list of targets shows them, and a campaign
    # may have hundreds (a query per target, or per 500 of them, would grow with it).
    office: Mapped[Organisation] = relationship(foreign_keys=[office_id], lazy="joined")
    commune: Mapped[Organisation | None] = relationship(foreign_keys=[commune_id], lazy="joined")
    visit: Mapped[Visit | None] = relationship(
        back_populates="target", uselist=False, lazy="joined"
    )


class TeamMember(_CampaignPart, Versioned, Base):
    """A person on the inspection team with a role (trưởng đoàn, thành viên, thư ký…)."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(32))

    campaign: Mapped[Campaign] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(lazy="selectin")  # every list of the team names them


class Visit(Versioned, Base):
    """The visit to one target: schedule, outcome, its figures (keyed by the campaign's
    indicators) and findings (keyed by the position of the campaign's contents)."""

    __tablename__ = "visits"
    # Who signs the minutes for each inspected party: the fields a visit's result may set.
    REPRESENTATIVES: ClassVar[tuple[str, ...]] = (
        "unit_representative",
        "unit_representative_position",
        "commune_representative",
        "commune_representative_position",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), unique=True)
    scheduled_start: Mapped[datetime] = mapped_column(DateTime)
    scheduled_end: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=VisitStatus.SCHEDULED)
    skip_reason: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    team_attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    unit_attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    statistics: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    findings: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    unit_comments: Mapped[str] = mapped_column(Text, default="")
    unit_representative: Mapped[str] = mapped_column(String(200), default="")
    unit_representative_position: Mapped[str] = mapped_column(String(200), default="")
    # Who attends and signs the minutes for the chosen commune-level committee, if any.
    commune_representative: Mapped[str] = mapped_column(String(200), default="")
    commune_representative_position: Mapped[str] = mapped_column(String(200), default="")

    target: Mapped[Target] = relationship(back_populates="visit")
