"""Load the demo campaign: agencies, districts, communes, people, the plan and its targets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.commands import campaigns
from service.models import Campaign, Contact, Organisation, Person, Signer
from service.seed import lang_son_2023 as seed


def _org(db: Session, **fields: Any) -> Organisation:
    """Get the organisation with this code, or create it."""
    existing = db.scalar(select(Organisation).where(Organisation.code == fields["code"]))
    if existing is not None:
        return existing
    org = Organisation(**fields)
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
    province = _org(
        db,
        kind="governing",
        name="Ủy ban nhân dân tỉnh Lạng Sơn",
        header_name="UBND TỈNH LẠNG SƠN",
        code="UBND",
        place_name="Lạng Sơn",
        email="ubnd@langson.example.org",
    )
    department = _org(
        db,
        kind="issuer",
        parent_id=province.id,
        name="Sở Lao động - Thương binh và Xã hội",
        header_name="SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
        code="SLĐTBXH",
        place_name="Lạng Sơn",
        email="vanthu@sldtbxh.langson.example.org",
    )
    unit = _org(
        db,
        kind="unit",
        parent_id=department.id,
        name="Phòng Phòng, chống tệ nạn xã hội – Bình đẳng giới",
        header_name="PHÒNG PHÒNG, CHỐNG TỆ NẠN XÃ HỘI – BÌNH ĐẲNG GIỚI",
        code="PCTNXH",
        place_name="Lạng Sơn",
        email="pctnxh@sldtbxh.langson.example.org",
    )
    _org(
        db,
        kind="steering",
        parent_id=province.id,
        name="Ban Chỉ đạo 138 tỉnh Lạng Sơn",
        header_name="BAN CHỈ ĐẠO 138 TỈNH LẠNG SƠN",
        code="BCĐ138",
        place_name="Lạng Sơn",
        email="bcd138@langson.example.org",
    )
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
        {
            "issuer_id": department.id,
            "unit_id": unit.id,
            **seed.PLAN,
            "report_sections": seed.REPORT_SECTIONS,
        },
    )
    campaign.signer = signer
    for name, slug, commune_name, is_city in seed.DISTRICTS:
        office = _district(db, province, name, slug, commune_name, is_city)
        campaigns.add_target(db, campaign, office[0].id, office[1].id)
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
        campaigns.add_member(db, campaign, person.id, role)
    return campaign


def _district(
    db: Session, province: Organisation, name: str, slug: str, commune_name: str, is_city: bool
) -> tuple[Organisation, Organisation]:
    """A district's people's committee, its labour office and its chosen commune's BCĐ 138."""
    place = name.split(" ", 1)[1] if not is_city else "Lạng Sơn"
    committee = _org(
        db,
        kind="district_committee",
        parent_id=province.id,
        name=f"UBND {name}",
        header_name=f"UBND {name.upper()}",
        code=f"UBND-{slug.upper()}",
        place_name=place,
        district=name,
        email=f"ubnd-{slug}@langson.example.org",
    )
    office_name = (
        f"Phòng Lao động - Thương binh và Xã hội {name}"
        if is_city
        else f"Phòng Lao động, Thương binh, Xã hội - Dân tộc {name}"
    )
    office = _org(
        db,
        kind="district_office",
        parent_id=committee.id,
        name=office_name,
        header_name=office_name.upper(),
        code=f"LĐTBXH-{slug.upper()}",
        place_name=place,
        district=name,
        email=f"ldtbxh-{slug}@langson.example.org",
    )
    if not office.contacts:
        office.contacts.append(
            Contact(
                name=f"Trưởng phòng {office_name}",
                role="Trưởng phòng",
                email=f"truongphong-{slug}@langson.example.org",
            )
        )
    commune = _org(
        db,
        kind="commune_committee",
        parent_id=committee.id,
        name=f"Ban Chỉ đạo 138 {commune_name}",
        header_name=f"BAN CHỈ ĐẠO 138 {commune_name.upper()}",
        code=f"BCĐ138-{slug.upper()}",
        place_name=place,
        district=name,
        email=f"bcd138-{slug}@langson.example.org",
    )
    return office, commune
