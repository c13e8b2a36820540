"""Build the render context of each document kind from the campaign's data (plain Python)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session, selectinload

from service.models import Campaign, Document, Organisation, Person, Target, Visit
from service.queries.statistics import campaign_statistics
from workflows import addressing, formatting, indicators, routing, titles
from workflows.documents import KINDS
from workflows.findings import minutes_findings
from workflows.vocabulary import DocumentStatus, OrganisationKind, TeamRole

REPORT_SECTIONS = ("results", "shortcomings", "causes", "recommendations")


def punctuate(lines: list[str], last: str = ".") -> list[str]:
    """One item a line, each ending ';' and the last ending `last` (legal bases, recipients)."""
    cleaned = [line.strip().rstrip(";.") for line in lines if line.strip()]
    return [line + (last if i == len(cleaned) - 1 else ";") for i, line in enumerate(cleaned)]


def dashed(lines: list[str]) -> list[str]:
    """Items of a list as a document prints them: "- " before each, punctuated."""
    return [f"- {line.removeprefix('- ').strip()}" for line in punctuate(lines)]


def recipient_lines(names: list[str], filing_unit: str) -> list[str]:
    """The Nơi nhận block of plain names (template samples); documents use `recipients`."""
    return routing.printed_block(names, ("VT", filing_unit))


def _org(org: Organisation) -> routing.Org:
    contacts = tuple(routing.Recipient(c.name, c.email, org.id) for c in org.contacts)
    return routing.Org(
        org.id, org.name, org.code, org.email, org.district, contacts, org.place_name
    )


def _person(person: Person) -> routing.Recipient:
    return routing.Recipient(person.full_name, person.email or "")


def directory(campaign: Campaign, targets: Iterable[Target]) -> routing.Directory:
    """The agency tree as the routing rules see it, for a document about `targets`."""
    db = object_session(campaign)
    assert db is not None
    issuer, governing = campaign.issuer, campaign.issuer.parent

    def children(parents: list[int], kind: str) -> list[Organisation]:
        # Their contacts in one more query, not one per organisation (which slowed issuing).
        query = (
            select(Organisation)
            .options(selectinload(Organisation.contacts))
            .where(
                Organisation.parent_id.in_(parents), Organisation.kind == kind, Organisation.active
            )
        )
        return list(db.scalars(query.order_by(Organisation.id)))

    province = [governing.id] if governing else []
    committees = children(province, OrganisationKind.DISTRICT_COMMITTEE)
    leaders = db.scalars(select(Person).where(Person.organisation_id == issuer.id, Person.active))
    return routing.Directory(
        issuer=_org(issuer),
        filing_unit=_filing_unit(campaign),
        governing=_org(governing) if governing else None,
        agencies=tuple(_org(o) for o in children(province, OrganisationKind.STEERING)),
        unit=_org(campaign.unit) if campaign.unit else None,
        units=tuple(_org(o) for o in children([issuer.id], OrganisationKind.UNIT)),
        leaders=tuple(map(_person, leaders)),
        team=tuple(_person(m.person) for m in campaign.members),
        committees=tuple(_org(o) for o in committees),
        offices=tuple(
            _org(o) for o in children([c.id for c in committees], OrganisationKind.DISTRICT_OFFICE)
        ),
        targets=tuple(
            routing.TargetOrgs(_org(t.office), _org(t.commune) if t.commune else None)
            for t in targets
        ),
    )


def recipients(
    kind: str, campaign: Campaign, targets: Iterable[Target], written: Iterable[str] = ()
) -> dict[str, Any]:
    """The printed Nơi nhận block and, frozen beside it, whom it is e-mailed to."""
    resolved = routing.route(kind, directory(campaign, targets), written)
    return {"recipients": resolved.printed(), "routing": resolved.to_dict()}


def _signer(campaign: Campaign) -> dict[str, Any]:
    signer = campaign.signer
    if signer is None:
        return {"authority": "", "position": "", "name": "", "person_id": None}
    authority = f"{signer.authority_prefix} {signer.authority_title}".strip()
    return {
        "authority": authority,
        "position": signer.position_title,
        "name": signer.person.full_name,
        "person_id": signer.person_id,  # whose key signs it (workflows.signing)
    }


def head_title(campaign: Campaign) -> str:
    """The issuer's head as the signer's data names them: the title a deputy signs for
    ("KT. GIÁM ĐỐC"), or the signer's own position when the head signs."""
    signer = campaign.signer
    if signer is None:
        return ""
    return signer.authority_title if signer.authority_prefix else signer.position_title


def decision_authority(campaign: Campaign) -> str:
    """ "GIÁM ĐỐC SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI": the head and the issuer's own name."""
    return f"{head_title(campaign)} {campaign.issuer.name}".strip().upper()


def _issued(campaign: Campaign, kind: str) -> Document | None:
    """The campaign's issued document of `kind` (the team decision the minutes cite)."""
    db = object_session(campaign)
    assert db is not None
    query = select(Document).where(
        Document.campaign_id == campaign.id,
        Document.kind == kind,
        Document.status == DocumentStatus.ISSUED,
    )
    return db.scalar(query.order_by(Document.version.desc()).limit(1))


def decision_reference(campaign: Campaign) -> str:
    """ "Quyết định số 02/QĐ-X ngày 10/4/2023 của Giám đốc Sở …", or "" with no decision."""
    decision = _issued(campaign, "QD")
    if decision is None or decision.issue_date is None:
        return ""
    date = formatting.short_date(decision.issue_date)
    head = titles.sentence_case(head_title(campaign))
    return f"Quyết định số {decision.reference} ngày {date} của {head} {campaign.issuer.name}"


def _header(campaign: Campaign, doc: Document) -> dict[str, Any]:
    issuer = campaign.issuer
    governing = issuer.parent.header_name if issuer.parent else ""
    kind = KINDS[doc.kind]
    return {
        "governing_body": governing,
        "issuer_header": issuer.header_name,
        "number_line": formatting.number_line(doc.number, doc.code),
        "date_line": formatting.date_line(issuer.place_name, doc.issue_date, doc.year),
        "is_draft": doc.status == DocumentStatus.DRAFT,
        "doc_type": kind.type_name,
        "signer": _signer(campaign),
        "issue_date_iso": doc.issue_date.isoformat() if doc.issue_date else "",
    }


def _filing_unit(campaign: Campaign) -> str:
    return campaign.unit.code if campaign.unit else campaign.issuer.code


def _office_name(target: Target) -> str:
    return target.office.name


def _commune_name(target: Target) -> str:
    return target.commune.name if target.commune else ""


def plan_reference(plan: Document | None, campaign: Campaign) -> str:
    """`Kế hoạch số 05/KH-SLĐTBXH ngày 05/4/2023 của …` or the title alone before issue."""
    if plan is None or plan.number is None or plan.issue_date is None:
        return titles.plan_title(campaign.title)
    date = formatting.short_date(plan.issue_date)
    return titles.plan_reference(campaign.title, plan.reference, date, campaign.issuer.name)


def contact_sentence(phone: str) -> str:
    """The plan's last line: whom to call with questions."""
    return (
        "Trong quá trình thực hiện nếu có vướng mắc đề nghị các đơn vị liên hệ qua số điện "
        f"thoại {phone} để được giải đáp./."
    )


def plan_context(campaign: Campaign, doc: Document) -> dict[str, Any]:
    closing = [*campaign.closing_paragraphs]
    if campaign.contact_phone:
        closing.append(contact_sentence(campaign.contact_phone))
    return {
        **_header(campaign, doc),
        "subject_lines": titles.plan_subject_lines(campaign.subject_lines, campaign.title),
        **recipients("KH", campaign, campaign.targets, campaign.recipients),
        "legal_bases": punctuate(campaign.legal_bases),
        "introduction": campaign.introduction
        or titles.plan_introduction(campaign.issuer.name, campaign.title, campaign.programme),
        "purposes": campaign.purposes,
        "requirements": campaign.requirements,
        "contents": campaign.contents,
        "targets_description": campaign.targets_description,
        "method": campaign.method,
        "composition": campaign.composition,
        "time_window": campaign.time_window,
        "time_note": campaign.time_note,
        "closing_paragraphs": closing,
    }


def decision_context(campaign: Campaign, doc: Document, plan: Document | None) -> dict[str, Any]:
    issuer = campaign.issuer
    members = [
        {
            "index": i,
            "name": m.person.full_name,
            "position": m.person.position,
            "role": TeamRole.label_of(m.role),
        }
        for i, m in enumerate(campaign.members, start=1)
    ]
    unit = campaign.unit.name if campaign.unit else issuer.name
    # "Trưởng phòng" of "Phòng Phòng, chống…": the office's type word once.
    unit_head = titles.position_at("Trưởng phòng", unit)
    return {
        **_header(campaign, doc),
        "subject_lines": titles.title_lines(titles.decision_subject(campaign.title)),
        **recipients("QD", campaign, campaign.targets),
        "decision_authority": decision_authority(campaign),
        # Every basis ends ";": "Xét đề nghị…" follows the last.
        "legal_bases": punctuate(
            [
                *titles.competence_bases(issuer.competence_basis, issuer.name),
                *map(titles.cited, campaign.legal_bases),
                f"Căn cứ {plan_reference(plan, campaign)}",
            ],
            last=";",
        ),
        "proposal": f"Xét đề nghị của {unit_head}.",
        "team_name": titles.team_name(campaign.title),
        "members": members,
        "team_duties": (
            "Đoàn kiểm tra có nhiệm vụ kiểm tra các nội dung theo Kế hoạch kiểm tra đã ban hành; "
            "lập biên bản kiểm tra tại từng đơn vị và báo cáo kết quả với Giám đốc Sở. "
            "Đoàn kiểm tra tự giải thể sau khi hoàn thành nhiệm vụ."
        ),
        # Run into "Thời gian kiểm tra: …"; the plan keeps the seed's own capital.
        "time_window": titles.run_in(campaign.time_window),
        "responsible_parties": (
            f"Chánh Văn phòng Sở, {unit_head}, các đơn vị được kiểm tra "
            "và các thành viên có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./."
        ),
    }


def schedule_row(index: int, target: Target) -> dict[str, Any]:
    visit = target.visit
    if visit is None:
        return {
            "index": index,
            "date": "",
            "time": "",
            "office": _office_name(target),
            "commune": _commune_name(target),
            "place": "",
        }
    return {
        "index": index,
        "date": formatting.weekday_date(visit.scheduled_start.date()),
        "time": formatting.clock_range(visit.scheduled_start, visit.scheduled_end),
        "office": _office_name(target),
        "commune": _commune_name(target),
        "place": visit.place,
    }


def invitation(campaign: Campaign, targets: list[Target]) -> dict[str, Any] | None:
    """The calendar event a one-visit notice invites to, frozen with the visit's SEQUENCE."""
    visit = targets[0].visit if len(targets) == 1 else None
    if visit is None:
        return None
    return {
        "visit_id": visit.id,
        "sequence": visit.sequence,
        "start": visit.scheduled_start.isoformat(),
        "end": visit.scheduled_end.isoformat(),
        "place": visit.place,
        "summary": titles.visit_summary(campaign.title, _office_name(targets[0])),
    }


def notice_context(
    campaign: Campaign, doc: Document, plan: Document | None, targets: list[Target]
) -> dict[str, Any]:
    named = [
        addressing.Addressee(_office_name(t), t.office.district, _commune_name(t)) for t in targets
    ]
    chosen = [_commune_name(t) for t in targets if t.commune]
    phone = campaign.contact_phone
    return {
        **_header(campaign, doc),
        "subject_lines": titles.title_lines(titles.notice_subject(campaign.title)),
        **recipients("TB", campaign, targets),
        "invitation": invitation(campaign, targets),
        "addressees": addressing.kinh_gui(addressing.addressees(named, campaign.sub_unit_label)),
        "plan_reference": plan_reference(plan, campaign),
        # The template prints "Thực hiện {plan_reference}, {introduction}".
        "introduction": titles.notice_introduction(
            campaign.issuer.name, campaign.programme, plan_reference(plan, campaign)
        ),
        # No sub-unit chosen (none named, none chosen): "" and the template drops the column.
        "sub_unit_heading": addressing.sub_unit_heading(campaign.sub_unit_label, chosen)
        if campaign.sub_unit_label.strip() or chosen
        else "",
        "schedule": [schedule_row(i, t) for i, t in enumerate(targets, start=1)],
        "preparation": dashed(campaign.preparation),
        "contact": (
            f"Mọi thông tin chi tiết xin liên hệ {campaign.unit.name if campaign.unit else ''}, "
            f"số điện thoại {phone}./."
            if phone
            else "Đề nghị các đơn vị chuẩn bị nội dung để buổi làm việc đạt kết quả./."
        ),
    }


def _leader(campaign: Campaign) -> Person | None:
    return next((m.person for m in campaign.members if m.role == TeamRole.LEADER), None)


def _party(title: str, unit: str = "", position: str = "", name: str = "") -> dict[str, str]:
    """One signature of the minutes: caption, the unit signed for, position and name."""
    return {"title": title, "unit": unit, "position": position, "name": name}


def signatures(campaign: Campaign, visit: Visit) -> dict[str, Any]:
    """The inspected office (left) and the team leader (right), then under the office the
    chosen sub-unit, signed by its representative (by hand when no name is recorded)."""
    target = visit.target
    leader = _leader(campaign)
    caption = "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA"
    office = _party(
        caption,
        _office_name(target),
        visit.unit_representative_position,
        visit.unit_representative,
    )
    commune = _party(
        caption,
        _commune_name(target),
        visit.commune_representative_position,
        visit.commune_representative,
    )
    return {
        "left": office,
        "right": {
            **_party(
                "TRƯỞNG ĐOÀN KIỂM TRA",
                "",
                leader.position if leader else "",
                leader.full_name if leader else "",
            ),
            "person_id": leader.id if leader else None,  # whose key signs it
        },
        "more": [commune] if target.commune else [],
    }


def unit_attendees(visit: Visit) -> list[str]:
    """The inspected parties' attendees, one a line ("- …;"), the commune representative among
    them by name and position unless staff listed them already."""
    listed = list(visit.unit_attendees or [])
    name, commune = " ".join(visit.commune_representative.split()), _commune_name(visit.target)
    if name and commune and not any(name in " ".join(line.split()) for line in listed):
        position = titles.position_at(visit.commune_representative_position, commune)
        listed.append(f"{name}, {position}")
    return dashed(listed)


def minutes_opening(campaign: Campaign, visit: Visit, plan: Document | None) -> str:
    """When and where, the decision the team acts under and the plan it carries out."""
    target = visit.target
    start = visit.scheduled_start
    decision = decision_reference(campaign)
    team = (
        f"Đoàn kiểm tra thành lập theo {decision}, thực hiện"
        if decision
        else ("Đoàn kiểm tra thực hiện")
    )
    inspected = _office_name(target) + (f" và {_commune_name(target)}" if target.commune else "")
    return (
        f"Hôm nay, vào hồi {formatting.clock(start)} {formatting.long_date(start.date())}, "
        f"tại {visit.place or _office_name(target)}, {team} {plan_reference(plan, campaign)}, "
        f"tiến hành kiểm tra tại {inspected}."
    )


def minutes_context(
    campaign: Campaign, doc: Document, visit: Visit, plan: Document | None
) -> dict[str, Any]:
    target = visit.target
    end = visit.scheduled_end
    stats = visit.statistics or {}
    return {
        **_header(campaign, doc),
        # The team issues minutes in its own name, under the agency.
        "governing_body": campaign.issuer.header_name,
        "issuer_header": "ĐOÀN KIỂM TRA",
        "subject_lines": [
            *titles.title_lines(titles.minutes_subject(campaign.title)),
            *titles.title_lines(f"tại {_office_name(target)}"),
        ],
        **recipients("BB", campaign, [target]),
        "opening": minutes_opening(campaign, visit, plan),
        "team_attendees": dashed(visit.team_attendees or []),
        "unit_attendees": unit_attendees(visit),
        "findings": minutes_findings(campaign.contents, visit.findings or {}),
        "statistics": [
            {"label": f.label, "value": str(stats.get(f.key, 0))}
            for f in indicators.parse(campaign.indicators)
        ],
        "unit_comments": visit.unit_comments,
        "closing": (
            f"Biên bản kết thúc vào hồi {formatting.clock(end)} cùng ngày, được lập thành 02 bản "
            "có giá trị như nhau, mỗi bên giữ 01 bản; các bên thống nhất nội dung và ký dưới đây."
        ),
        "signatures": signatures(campaign, visit),
    }


def report_context(campaign: Campaign, doc: Document, plan: Document | None) -> dict[str, Any]:
    db = object_session(campaign)
    assert db is not None
    figures = campaign_statistics(db, campaign)
    held = [row.target for row in figures.rows]
    sections = campaign.report_sections or {}
    return {
        **_header(campaign, doc),
        "subject_lines": titles.title_lines(titles.report_subject(campaign.title)),
        **recipients("BC", campaign, held, campaign.report_recipients),
        "introduction": (
            f"Thực hiện {plan_reference(plan, campaign)}, Đoàn kiểm tra đã tiến hành "
            f"{titles.report_inspected(campaign.programme, plan_reference(plan, campaign))} "
            f"tại {len(held)}/{len(campaign.targets)} đơn vị. {campaign.issuer.name} báo cáo "
            "kết quả như sau:"
        ),
        "statistics": [
            {"index": i, "label": f.label, "total": str(figures.totals[f.key])}
            for i, f in enumerate(figures.indicators, start=1)
        ],
        "statistics_short_labels": [f.short_label for f in figures.indicators],
        # One row a held visit, then the totals.
        "district_rows": [
            {
                "district": name[:1].upper() + name[1:],
                "values": [str(values.get(f.key, 0)) for f in figures.indicators],
            }
            for name, values in [
                *((row.name, row.values) for row in figures.rows),
                ("Tổng cộng", figures.totals),
            ]
        ],
        **{name: list(sections.get(name, [])) for name in REPORT_SECTIONS},
    }


def build(campaign: Campaign, doc: Document, plan: Document | None) -> dict[str, Any]:
    """The context of `doc`, whatever its kind; `plan` is the issued plan it may cite."""
    if doc.kind == "KH":
        return plan_context(campaign, doc)
    if doc.kind == "QD":
        return decision_context(campaign, doc, plan)
    # A notice or minutes about one target reads that target, not the campaign's hundreds.
    db = object_session(campaign)
    if doc.kind == "TB":
        target = db.get(Target, doc.target_id) if db and doc.target_id else None
        targets = [target] if target is not None else list(campaign.targets)
        return notice_context(campaign, doc, plan, targets)
    if doc.kind == "BB":
        visit = db.get(Visit, doc.visit_id) if db and doc.visit_id else None
        if visit is None or visit.target.campaign_id != campaign.id:
            raise ValueError(f"the minutes of {doc.visit_id} are not of campaign {campaign.id}")
        return minutes_context(campaign, doc, visit, plan)
    return report_context(campaign, doc, plan)
