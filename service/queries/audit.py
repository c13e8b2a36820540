"""What the audit log's entries are about, by name: one query per kind of object on the page.

An entry keeps only the object's type and id; people read "Kế hoạch kiểm tra ATVSLĐ 2023",
not "campaign #1", and follow a link to the page where it is kept. Deleted objects keep their id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import (
    Campaign,
    Contact,
    Dispatch,
    Document,
    Organisation,
    Person,
    Signer,
    Target,
    TeamMember,
    Template,
    User,
    Visit,
)
from service.models.archive import ArchiveBuild
from service.models.document import Register
from service.models.user import ApiToken, AuditEntry
from workflows.documents import KINDS


@dataclass(frozen=True)
class Subject:
    """An entry's object by name, and the page showing it: `page` names it, `page_id` is the
    id that page takes (a target's is its campaign's)."""

    name: str
    page: str = ""
    page_id: int | None = None


def _document_name(doc: Document) -> str:
    kind = KINDS[doc.kind].label if doc.kind in KINDS else doc.kind
    return f"{kind} số {doc.reference}" if doc.reference else f"{kind} (dự thảo)"


def _campaigns(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.scalars(select(Campaign).where(Campaign.id.in_(ids)))
    return {c.id: Subject(c.title, "campaign", c.id) for c in rows}


def _targets(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.execute(
        select(Target.id, Target.campaign_id, Organisation.name)
        .join(Organisation, Organisation.id == Target.office_id)
        .where(Target.id.in_(ids))
    )
    return {i: Subject(name, "targets", campaign) for i, campaign, name in rows}


def _members(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.execute(
        select(TeamMember.id, TeamMember.campaign_id, Person.full_name)
        .join(Person, Person.id == TeamMember.person_id)
        .where(TeamMember.id.in_(ids))
    )
    return {i: Subject(name, "team", campaign) for i, campaign, name in rows}


def _visits(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.execute(
        select(Visit.id, Organisation.name)
        .join(Target, Target.id == Visit.target_id)
        .join(Organisation, Organisation.id == Target.office_id)
        .where(Visit.id.in_(ids))
    )
    return {i: Subject(name, "visit", i) for i, name in rows}


def _documents(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.scalars(select(Document).where(Document.id.in_(ids)))
    return {d.id: Subject(_document_name(d), "document", d.id) for d in rows}


def _dispatches(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.execute(
        select(Dispatch.id, Dispatch.document_id, Dispatch.recipient_name).where(
            Dispatch.id.in_(ids)
        )
    )
    return {i: Subject(name, "document", doc) for i, doc, name in rows}


def _registers(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.scalars(select(Register).where(Register.id.in_(ids)))
    return {r.id: Subject(f"Sổ {r.series} năm {r.year}", "registers") for r in rows}


def _archives(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.execute(
        select(ArchiveBuild.id, Campaign.id, Campaign.title)
        .join(Campaign, Campaign.id == ArchiveBuild.campaign_id)
        .where(ArchiveBuild.id.in_(ids))
    )
    return {i: Subject(f"Hồ sơ: {title}", "campaign", campaign) for i, campaign, title in rows}


def _users(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.scalars(select(User).where(User.id.in_(ids)))
    return {u.id: Subject(u.full_name or u.username, "users") for u in rows}


def _tokens(db: Session, ids: set[int]) -> dict[int, Subject]:
    rows = db.scalars(select(ApiToken).where(ApiToken.id.in_(ids)))
    return {t.id: Subject(t.name or f"Khóa #{t.id}", "tokens") for t in rows}


def _named(model: Any, name: Callable[[Any], str], page: str) -> Callable[..., dict[int, Subject]]:
    def load(db: Session, ids: set[int]) -> dict[int, Subject]:
        rows = db.scalars(select(model).where(model.id.in_(ids)))
        return {r.id: Subject(name(r), page) for r in rows}

    return load


LOADERS: dict[str, Callable[[Session, set[int]], dict[int, Subject]]] = {
    "campaign": _campaigns,
    "target": _targets,
    "member": _members,
    "visit": _visits,
    "document": _documents,
    "dispatch": _dispatches,
    "register": _registers,
    "archive": _archives,
    "user": _users,
    "token": _tokens,
    "organisation": _named(Organisation, lambda o: o.name, "directory"),
    "contact": _named(Contact, lambda c: f"{c.name} <{c.email}>", "directory"),
    "person": _named(Person, lambda p: p.full_name, "directory"),
    "signer": _named(Signer, lambda s: s.position_title, "directory"),
    "template": _named(Template, lambda t: f"Mẫu {t.kind} phiên bản {t.version}", "templates"),
}


def subjects(db: Session, entries: Iterable[AuditEntry]) -> dict[tuple[str, str], Subject]:
    """(object type, object id) -> its Subject, for the objects that still exist."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_type in LOADERS and entry.object_id.isdigit():
            wanted.setdefault(entry.object_type, set()).add(int(entry.object_id))
    found: dict[tuple[str, str], Subject] = {}
    for object_type, ids in wanted.items():
        for object_id, subject in LOADERS[object_type](db, ids).items():
            found[(object_type, str(object_id))] = subject
    return found


def actors(db: Session) -> list[tuple[str, str]]:
    """The accounts one can filter the log by: (username, `Full Name (username)`), by username."""
    rows = db.execute(select(User.username, User.full_name).order_by(User.username))
    return [(name, f"{full} ({name})" if full else name) for name, full in rows]
