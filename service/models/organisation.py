"""Organisations (a tree from governing body down to units) and the people in them."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base
from service.models.versioned import Versioned


class Organisation(Versioned, Base):
    """An agency, a unit inside it, a district office or a commune steering committee."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(300))
    header_name: Mapped[str] = mapped_column(String(300), default="")
    code: Mapped[str] = mapped_column(String(40), default="")
    place_name: Mapped[str] = mapped_column(String(100), default="")
    district: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    series_plan: Mapped[str] = mapped_column(String(16), default="shared")
    # The legal basis of the issuer's competence a decision cites first ("Căn cứ Quyết định số
    # …/QĐ-UBND … quy định chức năng, nhiệm vụ…"); empty: a generic line naming its duties.
    competence_basis: Mapped[str] = mapped_column(Text, default="")
    # A deactivated organisation leaves the pickers and the routing; issued documents keep it.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Contact.id"
    )


class Contact(Base):
    """A named mailbox of an organisation (office, leader, clerk)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")


class Person(Base):
    """A person with a position in an organisation; may sign and may sit on a team."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # A deactivated person leaves the pickers and the routing; issued documents keep them.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation | None] = relationship()


class Signer(Base):
    """A person signing in a capacity: `KT. GIÁM ĐỐC` over `PHÓ GIÁM ĐỐC`."""

    __tablename__ = "signers"
    __table_args__ = (UniqueConstraint("person_id", "authority_prefix", "authority_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    authority_prefix: Mapped[str] = mapped_column(String(8), default="")
    authority_title: Mapped[str] = mapped_column(String(200), default="")
    position_title: Mapped[str] = mapped_column(String(200))

    person: Mapped[Person] = relationship()
