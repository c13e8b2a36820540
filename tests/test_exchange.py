"""The plan's inspection in and out: presets, copying a campaign, export and import (API, CLI)."""

from __future__ import annotations

import copy
import html
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service import cli
from service.config import Config
from service.database import session, transaction
from service.documents.render import render_docx
from service.models import Campaign, Document, Person, Target, Visit
from service.seed.load import load_demo
from tests.auth_helper import api_client, campaign_targets
from workflows import inspection, presets
from workflows.lifecycle import Stage
from workflows.vocabulary import VisitStatus

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
Document_ = dict[str, Any]


@pytest.fixture
def campaign_id(app: Flask) -> int:
    with app.app_context(), transaction() as db:
        return load_demo(db).id


def docx_text(content: bytes) -> str:
    """The text of a DOCX's body, one paragraph a line."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = package.read("word/document.xml").decode()
    return html.unescape(re.sub(r"<[^>]+>", "", xml.replace("</w:p>", "\n")))


def plan_text(client: FlaskClient, campaign_id: int) -> str:
    """The plan's draft, rendered from the context a draft of it is given."""
    draft = client.post(f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"})
    assert draft.status_code == 201, draft.json
    context = session().get(Document, draft.json["id"]).context
    return docx_text(render_docx((TEMPLATES / "KH.docx").read_bytes(), context))


def exported(client: FlaskClient, campaign_id: int) -> Document_:
    response = client.get(f"/api/v1/campaigns/{campaign_id}/export")
    assert response.status_code == 200, response.json
    document: Document_ = response.json
    return document


def campaign_count() -> int:
    return session().scalar(select(func.count()).select_from(Campaign)) or 0


def test_every_shipped_preset_passes_the_campaign_validation() -> None:
    shipped = presets.list_presets()
    assert "phong-chong-mai-dam" in [p.slug for p in shipped]
    for preset in shipped:
        fields = presets.campaign_fields(preset.slug, 2026)
        assert inspection.problems(fields) == {}, preset.slug
        assert fields["programme"].endswith(" năm 2026") and fields["indicators"]
        assert "{year}" not in json.dumps(fields, ensure_ascii=False)


def test_a_preset_is_a_file_an_administrator_drops_in(tmp_path: Path) -> None:
    (tmp_path / "tre-em.json").write_text(
        json.dumps(
            {
                "name": "Bảo vệ trẻ em",
                "description": "Kiểm tra công tác bảo vệ, chăm sóc trẻ em",
                "programme": "công tác bảo vệ, chăm sóc trẻ em",
                "title": "Công tác bảo vệ, chăm sóc trẻ em năm {year}",
                "indicators": [{"key": "children", "label": "Số trẻ em", "short_label": "Trẻ em"}],
            }
        ),
        encoding="utf-8",
    )
    assert [(p.slug, p.name) for p in presets.list_presets(tmp_path)] == [
        ("tre-em", "Bảo vệ trẻ em")
    ]
    fields = presets.campaign_fields("tre-em", 2027, tmp_path)
    assert fields["title"] == "Công tác bảo vệ, chăm sóc trẻ em năm 2027"
    assert fields["programme"] == "công tác bảo vệ, chăm sóc trẻ em năm 2027"
    for slug in ("../tre-em", "tre-em.json", "khong-co"):
        with pytest.raises(presets.UnknownPreset):
            presets.load(slug, tmp_path)


def test_a_programme_with_its_year_placed_is_not_given_another(tmp_path: Path) -> None:
    written = {"name": "Bình đẳng giới", "programme": "công tác bình đẳng giới năm {year}"}
    (tmp_path / "bdg.json").write_text(json.dumps(written), encoding="utf-8")
    fields = presets.campaign_fields("bdg", 2027, tmp_path)
    assert fields["programme"] == "công tác bình đẳng giới năm 2027"


def test_the_demo_carries_its_programme(client: FlaskClient, campaign_id: int) -> None:
    shown = client.get(f"/api/v1/campaigns/{campaign_id}").json
    assert shown["programme"] == "công tác phòng, chống mại dâm năm 2023"
    assert shown["sub_unit_label"] == "Ban Chỉ đạo 138 xã, phường, thị trấn"
    preset = presets.load("phong-chong-mai-dam")
    assert shown["indicators"] == preset["indicators"]
    assert shown["preparation"] == preset["preparation"]


def test_demo_exported_and_imported_gives_the_same_plan(
    client: FlaskClient, campaign_id: int
) -> None:
    document = exported(client, campaign_id)
    assert document["format_version"] == 1 and document["issuer"] == "SLĐTBXH"
    assert document["contents"][0]["text"].startswith("- Xây dựng, ban hành")
    assert document["targets"][0] == {"office": "LĐTBXH-TPLS", "sub_unit": "BCĐ138-TPLS"}
    people = session().scalar(select(func.count()).select_from(Person))
    imported = client.post("/api/v1/campaigns/import", json=json.loads(json.dumps(document)))
    assert imported.status_code == 201, imported.json
    new_id = imported.json["id"]
    assert new_id != campaign_id and imported.json["stage"] == Stage.PLAN_DRAFTED
    assert imported.json["target_count"] == 11 and len(imported.json["members"]) == 4
    assert session().scalar(select(func.count()).select_from(Person)) == people  # all matched
    assert exported(client, new_id) == document
    original = plan_text(client, campaign_id)
    assert "Kiểm tra công tác quản lý nhà nước" in original
    assert plan_text(client, new_id) == original


def _set(document: Document_, path: str, value: Any) -> None:
    """Put `value` at a dotted path of the document ("targets.2.office")."""
    *parents, last = path.split(".")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


# (what is wrong, the field path the answer names, the value put there). The demo's indicators
# 1 and 2 are "workers" and its part "workers_male".
BAD_INPUTS: dict[str, tuple[str, Any]] = {
    "unknown office": ("targets.2.office", "KHONG-CO"),
    "unknown sub-unit": ("targets.1.sub_unit", "KHONG-CO"),
    "sub-unit of another district": ("targets.1.sub_unit", "BCĐ138-TPLS"),
    "unknown issuer": ("issuer", "KHONG-CO"),
    "unknown team organisation": ("team.1.organisation", "KHONG-CO"),
    "duplicate indicator key": ("indicators.3.key", "workers"),
    "missing parent": ("indicators.3.parent", "khong_co"),
    "parent loop": ("indicators.1.parent", "workers_male"),
    "unknown rule": ("indicators.3.rule", "gần bằng"),
    "title too long": ("title", "Kiểm tra " * 200),
    "content title too long": ("contents.0.title", "x" * 501),
    "content without title": ("contents.1.title", " "),
    "legal basis too long": ("legal_bases.0", "x" * 20001),
    "programme too long": ("programme", "x" * 501),
    "phone too long": ("contact.phone", "0" * 41),
    "unknown role": ("team.0.role", "khach"),
    "bad signer prefix": ("signer.authority_prefix", "XX."),
    "unknown key": ("budget", 1),
    "other format": ("format_version", 2),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    client: FlaskClient, campaign_id: int, case: str
) -> None:
    document = exported(client, campaign_id)
    document["team"].append(
        {"name": "Người Mới", "position": "Chuyên viên", "organisation": "PCTNXH", "role": "member"}
    )
    field, value = BAD_INPUTS[case]
    _set(document, field, value)
    people = session().scalar(select(func.count()).select_from(Person))
    before = campaign_count()
    response = client.post("/api/v1/campaigns/import", json=document)
    assert response.status_code == 422, response.json
    assert field in response.json["detail"]["json"], response.json
    session.remove()
    assert campaign_count() == before
    assert session().scalar(select(func.count()).select_from(Person)) == people


def test_import_is_for_office_roles(app: Flask, client: FlaskClient, campaign_id: int) -> None:
    document = exported(client, campaign_id)
    with app.app_context():
        office = session().scalar(select(Target).where(Target.campaign_id == campaign_id))
        district = api_client(app, "district", office.office_id if office else None)
    assert district.post("/api/v1/campaigns/import", json=document).status_code == 403
    assert district.get(f"/api/v1/campaigns/{campaign_id}/export").status_code == 403


def test_copy_from_the_demo_is_a_new_draft_with_its_targets_and_team(
    client: FlaskClient, campaign_id: int
) -> None:
    client.post(f"/api/v1/campaigns/{campaign_id}/actions/issue_plan", json={})
    response = client.post("/api/v1/campaigns", json={"copy_from": campaign_id, "year": 2024})
    assert response.status_code == 201, response.json
    copied = response.json
    original = client.get(f"/api/v1/campaigns/{campaign_id}").json
    assert copied["year"] == 2024 and copied["stage"] == Stage.PLAN_DRAFTED
    assert copied["title"].endswith("năm 2024")
    assert copied["programme"] == "công tác phòng, chống mại dâm năm 2024"
    assert copied["subject_lines"][-1] == "phòng, chống mại dâm năm 2024"
    for key in ("contents", "indicators", "preparation", "legal_bases", "recipients"):
        assert copied[key] == original[key], key
    copied_targets = campaign_targets(client, copied["id"])
    assert [(t["office_id"], t["commune_id"]) for t in copied_targets] == [
        (t["office_id"], t["commune_id"]) for t in campaign_targets(client, campaign_id)
    ]
    assert all(t["visit"] is None for t in copied_targets)
    assert copied["report_sections"] == {}  # last year's findings are not this year's
    assert [(m["person_id"], m["role"]) for m in copied["members"]] == [
        (m["person_id"], m["role"]) for m in original["members"]
    ]
    assert client.get(f"/api/v1/campaigns/{copied['id']}/documents").json["items"] == []
    assert (
        client.post("/api/v1/campaigns", json={"copy_from": 999, "year": 2024}).status_code == 422
    )


def test_create_from_a_preset(client: FlaskClient, campaign_id: int) -> None:
    issuer = client.get(f"/api/v1/campaigns/{campaign_id}").json["issuer_id"]
    listed = client.get("/api/v1/presets").json
    assert {"slug": "phong-chong-mai-dam"}.items() <= listed[0].items()
    body = {"issuer_id": issuer, "year": 2026, "preset": "phong-chong-mai-dam"}
    response = client.post("/api/v1/campaigns", json=body)
    assert response.status_code == 201, response.json
    made = response.json
    assert made["programme"] == "công tác phòng, chống mại dâm năm 2026"
    # The preset's dated text is the new campaign's year, nowhere the year it was written in.
    assert made["title"] == (
        "Công tác quản lý nhà nước về Chương trình phòng, chống mại dâm năm 2026"
    )
    assert made["subject_lines"] == [
        "Kiểm tra công tác quản lý nhà nước về Chương trình",
        "phòng, chống mại dâm năm 2026",
    ]
    assert all(basis.endswith("phòng, chống mại dâm năm 2026") for basis in made["legal_bases"])
    dated = json.dumps({k: made[k] for k in presets.FIELDS if k in made}, ensure_ascii=False)
    assert "2023" not in dated and "{year}" not in dated
    assert "2023" not in plan_text(client, made["id"])
    assert len(made["contents"]) == 5 and made["indicators"][0]["key"] == "businesses"
    assert made["target_count"] == 0 and made["members"] == []
    unknown = client.post("/api/v1/campaigns", json={**body, "preset": "../../etc/passwd"})
    assert unknown.status_code == 422 and "preset" in unknown.json["detail"]["json"]
    empty = client.post("/api/v1/campaigns", json={"issuer_id": issuer, "year": 2026})
    assert empty.status_code == 422 and "title" in empty.json["detail"]["json"]


def test_update_checks_the_inspection(app: Flask, client: FlaskClient, campaign_id: int) -> None:
    url = f"/api/v1/campaigns/{campaign_id}"
    indicators = client.get(url).json["indicators"]
    twice = [*indicators, indicators[0]]
    response = client.patch(url, json={"indicators": twice})
    assert response.status_code == 422
    assert f"indicators.{len(indicators)}.key" in response.json["detail"]["json"]
    contents = [{"number": 1, "title": " ", "paragraphs": []}]
    response = client.patch(url, json={"contents": contents})
    assert response.status_code == 422 and "contents.0.title" in response.json["detail"]["json"]
    with app.app_context(), transaction() as db:
        target = db.scalars(select(Target).where(Target.campaign_id == campaign_id)).first()
        assert target is not None
        moment = datetime(2023, 9, 5, 8)
        db.add(
            Visit(
                target_id=target.id,
                scheduled_start=moment,
                scheduled_end=moment,
                status=VisitStatus.HELD,
                statistics={"hotspots": 2},
            )
        )
    without = [i for i in indicators if i["key"] != "hotspots"]
    response = client.patch(url, json={"indicators": without})
    assert response.status_code == 422
    assert "hotspots" in response.json["detail"]["json"]["indicators"][0]
    renamed = copy.deepcopy(indicators)
    renamed[0]["label"] = "Số cơ sở kinh doanh có điều kiện"
    response = client.patch(url, json={"indicators": renamed, "sub_unit_label": ""})
    assert response.status_code == 200, response.json
    assert response.json["indicators"][0]["label"] == "Số cơ sở kinh doanh có điều kiện"


def test_the_export_format_is_in_the_openapi(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    schema = spec["components"]["schemas"]["CampaignExport"]["properties"]
    for key in ("title", "programme", "contents", "indicators", "targets", "team", "signer"):
        assert key in schema
    assert "/api/v1/campaigns/import" in spec["paths"]
    assert "/api/v1/campaigns/{campaign_id}/export" in spec["paths"]


def test_cli_round_trip(
    app: Flask,
    client: FlaskClient,
    config: Config,
    campaign_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VANTHU_DATABASE_URL", config.database_url)
    monkeypatch.setenv("VANTHU_VAR_DIR", str(config.var_dir))
    out = tmp_path / "ke-hoach.json"
    runner = CliRunner()
    result = runner.invoke(cli.main, ["export-campaign", str(campaign_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert list(document)[:3] == ["title", "programme", "year"]
    assert document == exported(client, campaign_id)
    result = runner.invoke(cli.main, ["import-campaign", str(out)])
    assert result.exit_code == 0, result.output
    session.remove()
    with app.app_context():
        new_id = session().scalar(select(func.max(Campaign.id)))
    assert new_id != campaign_id and exported(client, int(new_id or 0)) == document
    document["targets"][0]["office"] = "KHONG-CO"
    out.write_text(json.dumps(document), encoding="utf-8")
    before = campaign_count()
    refused = runner.invoke(cli.main, ["import-campaign", str(out)])
    assert refused.exit_code == 1 and "targets.0.office" in refused.output
    assert campaign_count() == before
    assert runner.invoke(cli.main, ["export-campaign", "999"]).exit_code == 1
