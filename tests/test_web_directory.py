"""The directory pages: organisations, contacts, people and signers listed, searched, added,
edited and deactivated, with what each receives, under the API's directory permissions."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from bench.pages import statements
from service.database import transaction
from service.models import Campaign, Contact, Organisation, Person, Signer
from service.seed.synthetic import synthetic_campaign
from tests.test_web import flashes, signed_in, text
from tests.test_web_support import Accounts, accounts, campaign_id
from workflows.lifecycle import Stage

__all__ = ["accounts", "campaign_id"]  # fixtures used here

NO_ADDRESS = "chưa có địa chỉ thư: không nhận được văn bản"


def _table(page: str, name: str) -> str:
    """The table marked `data-<name>` in the page."""
    return page.split(f"data-{name}", 1)[1].split("</table>", 1)[0]


def _person_id(app: Any, name: str) -> int:
    with app.app_context(), transaction() as db:
        found = db.scalar(select(Person.id).where(Person.full_name == name))
        assert found is not None
        return found


def _office(app: Any) -> tuple[int, str]:
    """A district office that is not among the demo campaign's targets."""
    with app.app_context(), transaction() as db:
        office = Organisation(
            kind="district_office", name="Phòng Lao động huyện Mới", district="huyện Mới"
        )
        db.add(office)
        db.flush()
        return office.id, office.name


def test_people_show_who_receives_nothing(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    assert "Danh bạ" in text(client.get("/"))
    listed = _table(text(client.get("/directory/people?q=luong van hung")), "people")
    assert "Lương Văn Hùng" in listed and "Vi Thị Hoa" not in listed
    assert NO_ADDRESS in listed
    hung = _person_id(app, "Lương Văn Hùng")
    page = text(client.get(f"/directory/people/{hung}"))
    # On the team: the decision (Như Điều 3) and the notices name him, and nothing reaches him.
    assert "Thành viên Đoàn kiểm tra" in page and "Như Điều 3" in page
    assert "Không: chưa có địa chỉ thư" in page and NO_ADDRESS in page

    refused = client.post(
        f"/directory/people/{hung}",
        data={"csrf_token": token, "full_name": "Lương Văn Hùng", "email": "hung@"},
    )
    assert refused.status_code == 422
    assert re.search(r'data-error-for="email">[^<]*không hợp lệ', text(refused))
    saved = client.post(
        f"/directory/people/{hung}",
        data={
            "csrf_token": token,
            "full_name": "Lương Văn Hùng",
            "position": "Chuyên viên",
            "email": " hung@sldtbxh.langson.example.org ",
        },
    )
    assert saved.status_code == 303
    page = text(client.get(saved.headers["Location"]))
    assert "Đã lưu thông tin người" in page and "hung@sldtbxh.langson.example.org" in page
    assert NO_ADDRESS not in page and "Không: chưa có địa chỉ thư" not in page


def test_add_a_person_and_a_signer(app: Any, client: FlaskClient, accounts: Accounts) -> None:
    token = signed_in(client, accounts, "staff")
    empty = client.post("/directory/people", data={"csrf_token": token, "full_name": " "})
    assert empty.status_code == 422 and 'data-error-for="full_name"' in text(empty)
    added = client.post(
        "/directory/people",
        data={"csrf_token": token, "full_name": "Hà Thị Mai", "position": "Phó Giám đốc Sở"},
    )
    assert added.status_code == 303
    page = text(client.get(added.headers["Location"]))
    assert "Đã thêm Hà Thị Mai" in page and NO_ADDRESS in page
    person_url = added.headers["Location"]
    bad = client.post(
        f"{person_url}/signers",
        data={"csrf_token": token, "authority_prefix": "XX.", "position_title": ""},
    )
    assert bad.status_code == 422
    assert 'data-error-for="authority_prefix"' in text(bad)
    assert 'data-error-for="position_title"' in text(bad)
    signer = client.post(
        f"{person_url}/signers",
        data={
            "csrf_token": token,
            "authority_prefix": "KT.",
            "authority_title": "GIÁM ĐỐC",
            "position_title": "PHÓ GIÁM ĐỐC",
        },
    )
    assert signer.status_code == 303
    assert "KT. GIÁM ĐỐC - PHÓ GIÁM ĐỐC" in text(client.get(person_url))
    assert "Hà Thị Mai (KT. GIÁM ĐỐC - PHÓ GIÁM ĐỐC)" in text(client.get("/"))  # a signer now


def test_organisation_edit_contacts_and_stale_version(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    bad = client.post(
        "/directory/organisations",
        data={"csrf_token": token, "kind": "nonsense", "name": "", "parent_id": "x"},
    )
    page = text(bad)
    assert bad.status_code == 422
    assert all(f'data-error-for="{f}"' in page for f in ("kind", "name", "parent_id"))
    created = client.post(
        "/directory/organisations",
        data={
            "csrf_token": token,
            "kind": "district_office",
            "name": "Phòng Lao động huyện Mới",
            "district": "huyện Mới",
        },
    )
    assert created.status_code == 303
    org_url = created.headers["Location"]
    page = text(client.get(org_url))
    assert "Đã thêm Phòng Lao động huyện Mới" in page and NO_ADDRESS in page
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version

    fields = {"csrf_token": token, "name": "Phòng LĐTBXH huyện Mới", "district": "huyện Mới"}
    saved = client.post(org_url, data={**fields, "version": version.group(1)})
    assert saved.status_code == 303
    stale = client.post(org_url, data={**fields, "name": "Tên khác", "version": version.group(1)})
    assert stale.status_code == 409 and "Tên khác" in text(stale)  # what was typed is kept

    no_email = client.post(
        f"{org_url}/contacts", data={"csrf_token": token, "name": "Văn thư", "email": ""}
    )
    assert no_email.status_code == 422 and 'data-error-for="email"' in text(no_email)
    added = client.post(
        f"{org_url}/contacts",
        data={"csrf_token": token, "name": "Văn thư", "email": "vanthu@moi.example.org"},
    )
    assert added.status_code == 303
    assert "vanthu@moi.example.org" in text(client.get(org_url))
    with app.app_context(), transaction() as db:
        contact_id = db.scalar(select(Contact.id).where(Contact.name == "Văn thư"))
    edited = client.post(
        f"/directory/contacts/{contact_id}",
        data={"csrf_token": token, "name": "Văn thư", "email": "vt@moi.example.org"},
    )
    assert edited.status_code == 303 and "vt@moi.example.org" in text(client.get(org_url))
    listed = text(client.get("/directory/organisations?q=vt@moi"))  # found by a contact
    assert "Phòng LĐTBXH huyện Mới" in listed and "qua địa chỉ liên hệ" in listed
    removed = client.post(f"/directory/contacts/{contact_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    assert "vt@moi.example.org" not in text(client.get(org_url))
    assert client.post("/directory/contacts/999999", data={"csrf_token": token}).status_code == 404


def test_organisation_shows_the_documents_it_receives(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    signed_in(client, accounts, "staff")
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        office_id = campaign.targets[0].office_id
    page = text(client.get(f"/directory/organisations/{office_id}"))
    receipts = _table(page, "receipts")
    for label in ("Thông báo lịch kiểm tra", "Biên bản kiểm tra", "Như trên"):
        assert label in receipts
    listed = text(client.get("/directory/organisations?kind=district_office"))
    assert ">TB</span>" in listed and ">BB</span>" in listed


def test_deactivated_entries_leave_pickers_and_routing(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    token = signed_in(client, accounts, "staff")
    office_id, office_name = _office(app)
    assert office_name in text(client.get(f"/campaigns/{campaign_id}/targets"))
    off = client.post(
        f"/directory/organisations/{office_id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert off.status_code == 303 and "Ngừng sử dụng" in text(client.get(off.headers["Location"]))
    assert office_name not in text(client.get(f"/campaigns/{campaign_id}/targets"))
    assert office_name not in text(client.get("/directory/organisations"))
    assert office_name in text(client.get("/directory/organisations?inactive=1"))
    client.post(
        f"/directory/organisations/{office_id}/active", data={"csrf_token": token, "active": "1"}
    )
    assert office_name in text(client.get(f"/campaigns/{campaign_id}/targets"))

    # A leader of the issuer (Lãnh đạo Sở) off the team: deactivated, no copy of the notices.
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        leader = Person(
            organisation_id=campaign.issuer_id, full_name="Đỗ Văn Bình", position="Giám đốc Sở"
        )
        db.add(leader)
        db.flush()
        leader_id = leader.id
    page = text(client.get(f"/directory/people/{leader_id}"))
    assert "Lãnh đạo Sở" in page
    assert "Đỗ Văn Bình" in text(client.get(f"/campaigns/{campaign_id}/team"))
    client.post(f"/directory/people/{leader_id}/active", data={"csrf_token": token, "active": "0"})
    page = text(client.get(f"/directory/people/{leader_id}"))
    assert "Không nhận văn bản nào" in page and "Đã ngừng sử dụng Đỗ Văn Bình" in page
    assert "Đỗ Văn Bình" not in text(client.get(f"/campaigns/{campaign_id}/team"))


def test_the_directory_pages_are_the_agency_staffs(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    """They list every office's people and addresses: a district user, who sees only its own
    office, is refused them, and its menu has no entry for them."""
    token = signed_in(client, accounts, "district")
    assert "Danh bạ" not in text(client.get("/"))
    hung = _person_id(app, "Lương Văn Hùng")
    for path in ("/directory/organisations", "/directory/people", f"/directory/people/{hung}"):
        assert client.get(path).status_code == 403
    for path, data in (
        ("/directory/organisations", {"kind": "unit", "name": "X"}),
        (f"/directory/people/{hung}", {"full_name": "X"}),
        (f"/directory/people/{hung}/active", {"active": "0"}),
    ):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403


def _signers(app: Any, org_id: int) -> list[tuple[Any, ...]]:
    """(person, prefix, head's title, position) of the organisation's signers, as stored."""
    with app.app_context(), transaction() as db:
        rows = db.execute(
            select(
                Signer.person_id,
                Signer.authority_prefix,
                Signer.authority_title,
                Signer.position_title,
            )
            .join(Signer.person)
            .where(Person.organisation_id == org_id)
            .order_by(Signer.id)
        )
        return [tuple(row) for row in rows]


def test_an_organisation_shows_and_changes_who_signs_for_it(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None and campaign.signer is not None
        issuer_id, used_id, title = campaign.issuer_id, campaign.signer.id, campaign.title
        giang = campaign.signer.person_id
        deputy = Person(organisation_id=issuer_id, full_name="Trần Thị Hạnh", position="PGĐ")
        db.add(deputy)
        db.flush()
        deputy_id = deputy.id
    org_url = f"/directory/organisations/{issuer_id}"
    token = signed_in(client, accounts, "staff")
    signers = _table(text(client.get(org_url)), "signers")
    assert "Nguyễn Văn Giang" in signers and "KT. GIÁM ĐỐC - PHÓ GIÁM ĐỐC" in signers
    assert title in signers  # the campaign it signs, so it cannot be removed
    assert f"/directory/signers/{used_id}/remove" not in signers

    added = client.post(
        f"{org_url}/signers",
        data={
            "csrf_token": token,
            "person_id": str(deputy_id),
            "authority_prefix": "KT.",
            "authority_title": "GIÁM ĐỐC",
            "position_title": "PHÓ GIÁM ĐỐC",
        },
    )
    assert added.status_code == 303
    before = _signers(app, issuer_id)
    assert before[-1] == (deputy_id, "KT.", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    with app.app_context(), transaction() as db:
        new_id = db.scalar(select(Signer.id).where(Signer.person_id == deputy_id))

    # Every field refused on its own, the form shown again, nothing written.
    bad = client.post(
        f"/directory/signers/{new_id}",
        data={
            "csrf_token": token,
            "person_id": "999999",
            "authority_prefix": "XX.",
            "authority_title": "G" * 201,
            "position_title": "",
        },
    )
    page = text(bad)
    assert bad.status_code == 422
    for field in ("person_id", "authority_prefix", "authority_title", "position_title"):
        assert f'data-error-for="{field}"' in page, field
    duplicate = client.post(
        f"/directory/signers/{new_id}",
        data={
            "csrf_token": token,
            "person_id": str(giang),
            "authority_prefix": "KT.",
            "authority_title": "GIÁM ĐỐC",
            "position_title": "PHÓ GIÁM ĐỐC",
        },
    )
    assert duplicate.status_code == 422
    assert re.search(r'data-error-for="authority_title">[^<]*đã có chức danh ký', text(duplicate))
    emoji = client.post(
        f"/directory/signers/{new_id}",
        data={"csrf_token": token, "person_id": str(deputy_id), "position_title": "PHÓ 😀"},
    )
    assert emoji.status_code == 422 and 'data-error-for="position_title"' in text(emoji)
    assert _signers(app, issuer_id) == before

    saved = client.post(
        f"/directory/signers/{new_id}",
        data={
            "csrf_token": token,
            "person_id": str(deputy_id),
            "authority_prefix": "TL.",
            "authority_title": "GIÁM ĐỐC",
            "position_title": "CHÁNH VĂN PHÒNG",
        },
    )
    assert saved.status_code == 303 and saved.headers["Location"].endswith(org_url)
    page = text(client.get(org_url))
    assert "Đã lưu người ký" in page and "TL. GIÁM ĐỐC - CHÁNH VĂN PHÒNG" in page
    # The campaign's own signer changes who signs it: its page offers the new capacity too.
    assert "Trần Thị Hạnh (TL. GIÁM ĐỐC - CHÁNH VĂN PHÒNG)" in text(client.get("/"))

    refused = client.post(f"/directory/signers/{used_id}/remove", data={"csrf_token": token})
    assert refused.status_code == 303
    assert "đang dùng chức danh ký này" in flashes(client)
    removed = client.post(f"/directory/signers/{new_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    assert _signers(app, issuer_id) == before[:-1]
    assert client.post("/directory/signers/999999", data={"csrf_token": token}).status_code == 404


def test_only_directory_editors_change_signers(
    app: Any, client: FlaskClient, accounts: Accounts, campaign_id: int
) -> None:
    with app.app_context(), transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None and campaign.signer is not None
        issuer_id, signer_id = campaign.issuer_id, campaign.signer.id
    before = _signers(app, issuer_id)
    token = signed_in(client, accounts, "district")
    for path in (
        f"/directory/organisations/{issuer_id}/signers",
        f"/directory/signers/{signer_id}",
        f"/directory/signers/{signer_id}/remove",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    assert _signers(app, issuer_id) == before


def _directory_queries(app: Any, client: FlaskClient, targets: int) -> dict[str, int]:
    """page -> its queries, with one current campaign: a synthetic one of `targets` targets
    (those before archived, so that as many campaigns are current each time)."""
    with app.app_context(), transaction() as db:
        for before in db.scalars(select(Campaign)):
            before.stage = Stage.ARCHIVED
        campaign = synthetic_campaign(db, targets)
        pages = {
            "organisations": "/directory/organisations",
            "search": "/directory/organisations?q=thu nghiem&inactive=1",
            "people": "/directory/people",
            "issuer": f"/directory/organisations/{campaign.issuer_id}",
            "office": f"/directory/organisations/{campaign.targets[0].office_id}",
            "member": f"/directory/people/{campaign.members[0].person_id}",
        }
    counts = {}
    for name, page in pages.items():
        with statements() as seen:
            assert client.get(page).status_code == 200, page
        counts[name] = len(seen)
    return counts


def test_directory_pages_run_as_many_queries_whatever_the_campaigns_size(
    app: Any, client: FlaskClient, accounts: Accounts
) -> None:
    """What each holder receives is routed for every target of every current campaign: the
    pages load it in a fixed number of queries, not some per target or per organisation."""
    signed_in(client, accounts, "staff")
    few = _directory_queries(app, client, 3)
    many = _directory_queries(app, client, 30)
    assert many == few
