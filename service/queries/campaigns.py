"""The campaigns and targets a user may see."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from service.models import Campaign, Organisation, Target, User
from service.queries.scoping import campaigns_seen, targets_seen


def campaigns_query(user: User, year: int | None = None, search: str = "") -> Select[Campaign]:
    """The campaigns in `user`'s scope (of `year`, with `search` in the title), newest year
    first; a statement, so the API and the web can page it."""
    stmt = select(Campaign).where(campaigns_seen(user))
    if year is not None:
        stmt = stmt.where(Campaign.year == year)
    if search:
        stmt = stmt.where(Campaign.title.icontains(search, autoescape=True))
    return stmt.order_by(Campaign.year.desc(), Campaign.id.desc())


def campaign_years(db: Session, user: User) -> list[int]:
    """The years of the campaigns in `user`'s scope, newest first (the list's year filter)."""
    stmt = select(Campaign.year).where(campaigns_seen(user)).distinct()
    return list(db.scalars(stmt.order_by(Campaign.year.desc())))


def campaign_choices(db: Session, user: User) -> list[tuple[int, str]]:
    """(id, "year · title") of every campaign in `user`'s scope, newest first: what a new
    campaign may be copied from, without loading whole campaigns."""
    stmt = campaigns_query(user).with_only_columns(Campaign.id, Campaign.year, Campaign.title)
    return [(id_, f"{year} · {title}") for id_, year, title in db.execute(stmt)]


def target_counts(db: Session, user: User, campaigns: list[Campaign]) -> dict[int, int]:
    """How many targets in `user`'s scope each of `campaigns` has, in one query."""
    ids = [c.id for c in campaigns]
    stmt = (
        select(Target.campaign_id, func.count())
        .where(Target.campaign_id.in_(ids), targets_seen(user))
        .group_by(Target.campaign_id)
    )
    counts: dict[int, int] = {id_: 0 for id_ in ids}
    counts.update({id_: n for id_, n in db.execute(stmt)})
    return counts


def targets_query(user: User, campaign: Campaign, search: str = "") -> Select[Target]:
    """The campaign's targets in `user`'s scope (whose office or commune names `search`), in
    the plan's order (the model loads each one's office, commune and visit with it)."""
    stmt = select(Target).where(Target.campaign_id == campaign.id, targets_seen(user))
    if search:
        office, commune = aliased(Organisation), aliased(Organisation)
        names = (office.name, office.district, commune.name)
        stmt = (
            stmt.join(office, Target.office_id == office.id)
            .outerjoin(commune, Target.commune_id == commune.id)
            .where(or_(*(name.icontains(search, autoescape=True) for name in names)))
        )
    return stmt.order_by(Target.position, Target.id)


def visible_target_ids(db: Session, user: User, campaign: Campaign) -> set[int]:
    """The ids of the campaign's targets in `user`'s scope (not the targets themselves)."""
    return set(db.scalars(targets_query(user, campaign).with_only_columns(Target.id)))
