"""Load the demo campaign: agencies, districts, communes, people, the plan and its targets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.commands import campaigns
from service.commands.caller import Caller
from service.models import Campaign, Contact, Organisation, Person, Signer
from service.seed import lang_son_2023 as seed

# The demo data is loaded by the system itself, not by a signed-in user.
SEEDER = Caller.system()


def _org(db: Session, parent: Organisation | None, **fields: Any) -> Organisation:
    """Get the organisation with this code, or create it under `parent`."""
    existing = db.scalar(select(Organisation).where(Organisation.code == fields["code"]))
    if existing is not None:
        return existing
    org = Organisation(parent_id=parent.id if parent else None, **fields)
    db.add(org)
    db.flush()
    return org


def load_demo(db: Session, *, new_campaign: bool = False) -> Campaign:
    """The Lạng Sơn 2023 campaign, created once (or afresh with `new_campaign`), agencies shared."""
    existing = db.scalar(
        select(Campaign)
        .where(Campaign.title == seed.PLAN["title"], Campaign.year == seed.YEAR)
        .order_by(Campaign.id.desc())
    )
    if existing is not None and not new_campaign:
        return existing
    agencies: dict[str, Organisation] = {}
    for part, agency in seed.AGENCIES.items():
        fields = {key: value for key, value in agency.items() if key != "parent"}
        parent = agencies[agency["parent"]] if "parent" in agency else None
        agencies[part] = _org(db, parent, place_name=seed.PLACE, **fields)
    province, department, unit = (agencies[p] for p in ("province", "department", "unit"))
    leader = Person(
        organisation_id=department.id,
        full_name=seed.SIGNER["full_name"],
        position=seed.SIGNER["position"],
        email="giang.nv@sldtbxh.langson.example.org",
    )
    db.add(leader)
    db.flush()
    signer = Signer(
        person_id=leader.id,
        authority_prefix=seed.SIGNER["authority_prefix"],
        authority_title=seed.SIGNER["authority_title"],
        position_title=seed.SIGNER["position_title"],
    )
    db.add(signer)
    campaign = campaigns.create(
        db,
        SEEDER,
        {
            "issuer_id": department.id,
            "unit_id": unit.id,
            "preset": seed.PRESET,  # the programme: indicators, preparation, sub-unit, recipients
            **seed.PLAN,
            "report_sections": seed.REPORT_SECTIONS,
        },
    )
    campaign.signer = signer
    for name, slug, commune_name, is_city in seed.DISTRICTS:
        office = _district(db, province, name, slug, commune_name, is_city)
        campaigns.add_target(db, SEEDER, campaign.id, office[0].id, office[1].id)
    for full_name, position, role in seed.TEAM:
        person = (
            leader
            if full_name == leader.full_name
            else Person(
                organisation_id=unit.id,
                full_name=full_name,
                position=position,
            )
        )
        db.add(person)
        db.flush()
        campaigns.add_member(db, SEEDER, campaign.id, person.id, role)
    return campaign


def _district(
    db: Session, province: Organisation, name: str, slug: str, commune_name: str, is_city: bool
) -> tuple[Organisation, Organisation]:
    """A district's people's committee, its labour office and its chosen commune's BCĐ 138."""
    place = seed.PLACE if is_city else name.split(" ", 1)[1]
    office_name = (
        f"Phòng Lao động - Thương binh và Xã hội {name}"
        if is_city
        else f"Phòng Lao động, Thương binh, Xã hội - Dân tộc {name}"
    )
    names = (f"UBND {name}", office_name, f"Ban Chỉ đạo 138 {commune_name}")
    made: list[Organisation] = []
    for (kind, code, mailbox), full_name in zip(seed.DISTRICT_PARTS, names, strict=True):
        made.append(
            _org(
                db,
                made[0] if made else province,  # the committee heads the other two
                kind=kind,
                name=full_name,
                header_name=full_name.upper(),
                code=f"{code}-{slug.upper()}",
                place_name=place,
                district=name,
                email=f"{mailbox}-{slug}@langson.example.org",
            )
        )
    office, commune = made[1:]
    if not office.contacts:
        office.contacts.append(
            Contact(
                name=f"Trưởng phòng {office_name}",
                role="Trưởng phòng",
                email=f"truongphong-{slug}@langson.example.org",
            )
        )
    return office, commune
