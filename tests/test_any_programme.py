"""A second programme, end to end: imported, driven through the API by real workers, archived.

The child-protection plan of tests/data/programme_child_protection.json (its own contents,
indicators, preparation, sub-unit and report recipients) is imported beside the demo's
organisations and taken from plan to case file with real Celery worker and beat processes, real
LibreOffice and a real SMTP server. Nothing the campaign produces may speak of the demo's
programme, and the report's totals must be the sums of its minutes.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pypdf
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service import processes
from service.app import create_app
from service.commands.users import ensure_demo_accounts
from service.config import Config
from service.database import session, transaction
from service.documents.libreoffice import libreoffice_available
from service.models import ArchiveBuild, Campaign, Document, Job
from service.seed.load import load_demo
from tests import test_mail
from tests.auth_helper import SYSTEM, api_client, campaign_targets
from tests.conftest import REDIS_URL, need
from tests.test_mail import SmtpServer
from tests.test_web_support import sign_in
from workflows.vocabulary import ArchiveState, DocumentStatus, JobState

smtp = test_mail.smtp  # a real SMTP server (aiosmtpd)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PROGRAMME = Path(__file__).parent / "data" / "programme_child_protection.json"
DEADLINE = 600.0  # a hang guard only; nothing asserts how fast
# Words of the demo's programme that nothing of another programme may contain.
FORBIDDEN = {
    "mại dâm": re.compile("mại dâm"),
    "138": re.compile(r"(?<!\d)138(?!\d)"),
    "II.3": re.compile(r"\bii\.3\b"),
}
DOUBLED = ("kế hoạch kiểm tra kế hoạch", "kiểm tra kế hoạch kiểm tra")
OPENING = "thực hiện kế hoạch số"  # a document cites the plan it acts under once
# Checksums, tokens and moments are not wording: long runs of hex or base64 letters and ISO
# timestamps are dropped.
OPAQUE = re.compile(
    r"[0-9a-f]{16,}|[A-Za-z0-9_\-]{32,}|\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?\S*"
)
UNCHOSEN = re.compile(r"<option(?![^>]*\bselected\b)[^>]*>.*?</option>", re.S)
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)

# The communes each office chooses (the demo's communes are its programme's committees).
COMMUNES = (
    ("UBNDXA-VINHTRAI", "Ủy ban nhân dân phường Vĩnh Trại", "thành phố Lạng Sơn"),
    ("UBNDXA-DONGDANG", "Ủy ban nhân dân thị trấn Đồng Đăng", "huyện Cao Lộc"),
    ("UBNDXA-NASAM", "Ủy ban nhân dân thị trấn Na Sầm", "huyện Văn Lãng"),
)
PLAN_DAY = date(2026, 3, 10)
TEAM_DAY = date(2026, 3, 16)
NOTICE_DAY = date(2026, 4, 20)
FIRST_VISIT = datetime(2026, 5, 5, 8, 0)
REPORT_DAY = date(2026, 6, 15)


def _redis_ok() -> bool:
    try:
        return bool(REDIS_URL) and bool(
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        )
    except redis.RedisError:
        return False


@dataclass
class Stack:
    app: Flask
    config: Config
    api: FlaskClient
    smtp: SmtpServer


@pytest.fixture
def stack(tmp_path: Path, database_url: str, smtp: SmtpServer) -> Iterator[Stack]:
    """The embedded broker with SQLite, Redis with PostgreSQL; a worker and a beat running."""
    need(libreoffice_available() is not None, "LibreOffice (soffice) is not installed")
    broker = "filesystem://"
    if not database_url.startswith("sqlite"):
        need(_redis_ok(), f"Redis not reachable at {REDIS_URL or '(VANTHU_TEST_REDIS_URL unset)'}")
        redis.Redis.from_url(REDIS_URL).flushdb()
        broker = REDIS_URL
    config = Config(
        var_dir=tmp_path / "var", database_url=database_url, broker_url=broker, smtp_url=smtp.url
    )
    app = create_app(config)
    app.config["TESTING"] = True
    env = {
        "VANTHU_VAR_DIR": str(config.var_dir),
        "VANTHU_DATABASE_URL": database_url,
        "VANTHU_BROKER_URL": broker,
        "VANTHU_SMTP_URL": smtp.url,
    }
    commands = (processes.worker_command(), processes.beat_command(str(tmp_path / "beat")))
    with app.app_context():
        _demo_organisations_only()
        with processes.children(*commands, env=env):
            yield Stack(app, config, api_client(app), smtp)
    session.remove()


def _demo_organisations_only() -> None:
    """The demo's agencies, districts, people and signer, without its campaign."""
    with transaction() as db:
        db.delete(load_demo(db))


# ---------------------------------------------------------------- driving it through the API


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def _organisation_id(api: FlaskClient, code: str) -> int:
    page = _ok(api.get("/api/v1/organisations?per_page=100"))
    found = [o["id"] for o in page["items"] if o["code"] == code]
    assert found, f"no organisation {code}"
    return int(found[0])


def _add_communes(api: FlaskClient) -> None:
    for code, name, district in COMMUNES:
        body = {
            "kind": "commune_committee",
            "name": name,
            "header_name": name.upper(),
            "code": code,
            "place_name": district.split(" ", 1)[1],
            "district": district,
            "email": f"{code.lower()}@langson.example.org",
        }
        _ok(api.post("/api/v1/organisations", json=body), 201)


def _import(api: FlaskClient, data: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = _ok(api.post("/api/v1/campaigns/import", json=data), 201)
    return created


def _action(api: FlaskClient, campaign_id: int, action: str, day: date | None = None) -> None:
    body = {"issue_date": day.isoformat()} if day else {}
    response = api.post(f"/api/v1/campaigns/{campaign_id}/actions/{action}", json=body)
    if response.status_code != 202:
        _ok(response)
        return
    deadline = time.monotonic() + DEADLINE  # the notices are issued by the workers: wait for them
    while True:
        issuing = _ok(api.get(response.headers["Location"]))["issuing"]
        session.remove()  # the stack's app context outlives the request: end its read (SQLite)
        if not issuing["busy"]:
            break
        assert time.monotonic() < deadline, issuing
        time.sleep(0.2)
    assert (issuing["state"], issuing["done"]) == (JobState.DONE, issuing["total"]), issuing


def _figures(index: int) -> dict[str, int]:
    """Valid figures for the index-th district: the girls and boys add up, all within bounds."""
    special = 30 + 4 * index
    return {
        "children": 1200 + 150 * index,
        "children_special": special,
        "children_special_boys": special // 2 + 1,
        "children_special_girls": special - special // 2 - 1,
        "abuse_cases": index + 1,
        "child_friendly_communes": 3 + 2 * index,
    }


def _visit_result(index: int, office: str) -> dict[str, Any]:
    return {
        "team_attendees": [
            "Ông Nguyễn Văn Giang, Phó Giám đốc Sở, Trưởng đoàn",
            "Bà Vi Thị Hoa, chuyên viên, Thư ký",
        ],
        "unit_attendees": [f"Lãnh đạo và công chức {office}"],
        "statistics": _figures(index),
        "findings": {
            "1": "Đơn vị đã ban hành kế hoạch bảo vệ, chăm sóc trẻ em năm 2026.",
            "2": "Hồ sơ trẻ em có hoàn cảnh đặc biệt được lập đầy đủ ở cấp huyện.",
        },
        "unit_comments": "Đơn vị thống nhất với nội dung biên bản.",
        "unit_representative": "Hoàng Văn Minh",
        "unit_representative_position": "TRƯỞNG PHÒNG",
    }


def _drive(api: FlaskClient, campaign_id: int) -> None:
    """Plan, team, schedule and notices, visits and minutes, report, case file."""
    _action(api, campaign_id, "issue_plan", PLAN_DAY)
    _action(api, campaign_id, "decide_team", TEAM_DAY)
    for i, target in enumerate(campaign_targets(api, campaign_id)):
        start = FIRST_VISIT + timedelta(days=i)
        body = {
            "target_id": target["id"],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=3)).isoformat(),
            "place": "Trụ sở Phòng",
            "confirm_non_working_days": True,  # one visit a day, weekends included
        }
        _ok(api.post(f"/api/v1/campaigns/{campaign_id}/visits", json=body), 201)
    _action(api, campaign_id, "schedule_visits", NOTICE_DAY)
    for i, target in enumerate(campaign_targets(api, campaign_id)):
        visit_id = target["visit"]["id"]
        _ok(api.post(f"/api/v1/visits/{visit_id}/result", json=_visit_result(i, "Phòng")))
        draft = _ok(
            api.post(
                f"/api/v1/campaigns/{campaign_id}/documents",
                json={"kind": "BB", "visit_id": visit_id},
            ),
            201,
        )
        day = (FIRST_VISIT + timedelta(days=i)).date().isoformat()
        _ok(api.post(f"/api/v1/documents/{draft['id']}/issue", json={"issue_date": day}))
    _action(api, campaign_id, "issue_report", REPORT_DAY)
    _action(api, campaign_id, "archive")


def _wait_for_case_file(campaign_id: int) -> None:
    """Until every job is done and the newest case file is built (or one of them failed)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        with transaction() as db:
            rows = list(db.scalars(select(Job).where(Job.campaign_id == campaign_id)))
            build = db.scalar(
                select(ArchiveBuild)
                .where(ArchiveBuild.campaign_id == campaign_id)
                .order_by(ArchiveBuild.id.desc())
            )
            failed = [
                f"{j.kind} #{j.id}: {j.last_error}" for j in rows if j.state == JobState.FAILED
            ]
            pending = [j.id for j in rows if j.state not in (JobState.DONE, JobState.FAILED)]
            built = build is not None and build.state == ArchiveState.DONE
        assert not failed, failed
        if built and not pending:
            return
        assert time.monotonic() < deadline, f"jobs still pending: {pending}"
        time.sleep(0.5)


# ---------------------------------------------------------------- reading what it produced


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", OPAQUE.sub(" ", text)).casefold()


def _offences(where: str, text: str) -> list[str]:
    seen = _normal(text)
    hits = [(w, m.start()) for w, rx in FORBIDDEN.items() if (m := rx.search(seen))]
    hits += [(w, at) for w in DOUBLED if (at := seen.find(w)) >= 0]
    found = [f"{where}: «{w}» in …{seen[max(0, at - 60) : at + 60]}…" for w, at in hits]
    if seen.count(OPENING) > 1:
        found.append(f"{where}: «{OPENING}» {seen.count(OPENING)} lần")
    return found


def docx_text(content: bytes) -> str:
    """Every paragraph of the body, its tables, headers and footers."""
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        for part in (section.header, section.footer):
            parts += [p.text for p in part.paragraphs]
    return "\n".join(parts)


def docx_tables(content: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(content))
    return [[[c.text.strip() for c in row.cells] for row in t.rows] for t in document.tables]


def pdf_text(content: bytes) -> str:
    return "\n".join(
        page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(content)).pages
    )


def _issued(campaign_id: int) -> list[Document]:
    with transaction() as db:
        docs = db.scalars(
            select(Document).where(
                Document.campaign_id == campaign_id, Document.status == DocumentStatus.ISSUED
            )
        ).all()
        for doc in docs:
            db.expunge(doc)
        return list(docs)


def _file(api: FlaskClient, doc_id: int, fmt: str) -> bytes:
    response = api.get(f"/api/v1/documents/{doc_id}/files/{fmt}")
    assert response.status_code == 200, (doc_id, fmt, response.status_code)
    return bytes(response.data)


def _mail_text(received: test_mail.Received) -> str:
    message = received.message
    parts = [str(message[h] or "") for h in ("Subject", "From", "To", "Cc")]
    parts += received.recipients
    for part in message.walk():
        if part.get_filename():
            parts.append(part.get_filename() or "")
        elif part.get_content_maintype() == "text":
            parts.append(str(part.get_content()))
    return "\n".join(parts)


def _page_text(html: str) -> str:
    """What a page shows, element by element (the directory's choices left out: the other
    organisations offered in a select are not the campaign's wording)."""
    return TAGS.sub(" ¦ ", UNCHOSEN.sub(" ", html))


def _ui_pages(app: Flask, campaign_id: int, documents: list[Document]) -> dict[str, str]:
    """The campaign's pages as staff see them, signed in through the login form."""
    with transaction() as db:
        accounts = {u.role: (u.username, pw) for u, pw in ensure_demo_accounts(db, SYSTEM)}
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        visit_ids = [t.visit.id for t in campaign.targets if t.visit]
    client = app.test_client()
    assert sign_in(client, *accounts["admin"]).status_code == 303
    paths = [
        f"/campaigns/{campaign_id}",
        f"/campaigns/{campaign_id}/plan",
        f"/campaigns/{campaign_id}/targets",
        f"/campaigns/{campaign_id}/team",
        f"/campaigns/{campaign_id}/schedule",
        f"/campaigns/{campaign_id}/report",
        f"/campaigns/{campaign_id}/progress.json",
        "/dashboard",
        *(f"/visits/{v}" for v in visit_ids),
        *(f"/documents/{d.id}" for d in documents),
    ]
    pages = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        pages[path] = response.get_data(as_text=True)
    return pages


def _missing(doc: Document, text: str, data: dict[str, Any]) -> list[str]:
    """What of the plan's own inspection the document should print and does not."""
    seen = unicodedata.normalize("NFC", text)
    wanted: list[str] = []
    if doc.kind == "TB":  # what to prepare, and the sub-unit its district chose
        wanted = list(data["preparation"])
        if not any(name in seen for _code, name, _district in COMMUNES):
            wanted.append("Ủy ban nhân dân <xã được chọn>")
    elif doc.kind == "BB":
        wanted = [c["title"] for c in data["contents"]] + [i["label"] for i in data["indicators"]]
    elif doc.kind == "BC":
        wanted = [line.rstrip(";.") for line in data["report_recipients"]]
    return [f"{doc.reference}: no «{w}»" for w in wanted if w not in seen]


def _labelled(rows: list[dict[str, Any]], value: str) -> dict[str, int]:
    return {row["label"]: int(row[value]) for row in rows}


# ---------------------------------------------------------------- the test


def test_a_second_programme_runs_end_to_end_in_its_own_words(stack: Stack, tmp_path: Path) -> None:
    data = json.loads(PROGRAMME.read_text(encoding="utf-8"))
    api = stack.api
    _add_communes(api)
    campaign = _import(api, data)
    campaign_id = int(campaign["id"])
    assert [t["office_id"] for t in campaign_targets(api, campaign_id)] == [
        _organisation_id(api, t["office"]) for t in data["targets"]
    ]
    exported = _ok(api.get(f"/api/v1/campaigns/{campaign_id}/export"))
    assert {k: exported.get(k) for k in data} == data, "the export gives back what was imported"
    _drive(api, campaign_id)
    _wait_for_case_file(campaign_id)

    documents = _issued(campaign_id)
    kinds = sorted(d.kind for d in documents)
    assert kinds == sorted(["KH", "QD", "TB", "TB", "TB", "BB", "BB", "BB", "BC"])
    offences: list[str] = []
    report_docx = b""
    for doc in documents:
        formats = {f["format"] for f in _ok(api.get(f"/api/v1/documents/{doc.id}"))["files"]}
        assert formats >= {"docx", "pdf"}, (doc.reference, formats)
        content = _file(api, doc.id, "docx")
        report_docx = content if doc.kind == "BC" else report_docx
        offences += _missing(doc, docx_text(content), data)
        offences += _offences(f"{doc.reference} DOCX", docx_text(content))
        offences += _offences(f"{doc.reference} PDF", pdf_text(_file(api, doc.id, "pdf")))
        offences += _offences(f"{doc.reference} title", doc.title)
    mails = stack.smtp.snapshot()
    assert mails, "no e-mail arrived"
    for received in mails:
        offences += _offences(f"e-mail «{received.message['Subject']}»", _mail_text(received))
    for path, html in _ui_pages(stack.app, campaign_id, documents).items():
        offences += _offences(f"page {path}", _page_text(html))
        if path.startswith("/visits/"):  # the form asks for this plan's figures and findings
            shown = unicodedata.normalize("NFC", html)
            wanted = [i["label"] for i in data["indicators"]] + [
                c["title"] for c in data["contents"]
            ]
            offences += [f"page {path}: no «{w}»" for w in wanted if w not in shown]
    assert offences == [], "\n".join(offences)

    _assert_report_totals_are_the_minutes_sums(data, documents, report_docx)
    _assert_the_case_file_verifies(stack, campaign_id, tmp_path)


def _assert_report_totals_are_the_minutes_sums(
    data: dict[str, Any], documents: list[Document], report_docx: bytes
) -> None:
    labels = [i["label"] for i in data["indicators"]]
    minutes = [d for d in documents if d.kind == "BB"]
    sums = dict.fromkeys(labels, 0)
    for doc in minutes:
        figures = _labelled(doc.context["statistics"], "value")
        assert list(figures) == labels, "the minutes' table is the campaign's indicators"
        for label, value in figures.items():
            sums[label] += value
    expected = {
        i["label"]: sum(_figures(n)[i["key"]] for n in range(3)) for i in data["indicators"]
    }
    assert sums == expected
    report = next(d for d in documents if d.kind == "BC")
    assert _labelled(report.context["statistics"], "total") == sums
    rows = report.context["district_rows"]
    assert [r["district"] for r in rows][-1] == "Tổng cộng"
    assert [int(v) for v in rows[-1]["values"]] == [sums[label] for label in labels]
    # The printed table: its "Tổng cộng" row carries the same totals, in the indicators' order.
    printed = [
        row
        for table in docx_tables(report_docx)
        for row in table
        if any(cell == "Tổng cộng" for cell in row)
    ]
    assert printed, "the report's DOCX has no «Tổng cộng» row"
    numbers = [int(c) for c in printed[-1] if c.isdigit()]
    assert numbers[-len(labels) :] == [sums[label] for label in labels]


def _assert_the_case_file_verifies(stack: Stack, campaign_id: int, tmp_path: Path) -> None:
    response = stack.api.get(f"/api/v1/campaigns/{campaign_id}/archive/file")
    assert response.status_code == 200
    case_file = tmp_path / "case-file.zip"
    case_file.write_bytes(response.data)
    env = {
        **os.environ,
        "VANTHU_DATABASE_URL": stack.config.database_url,
        "VANTHU_VAR_DIR": str(stack.config.var_dir),
    }
    vanthu = str(Path(sys.executable).parent / "vanthu")
    verify = subprocess.run(
        [vanthu, "verify-archive", "--database", str(case_file)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Hồ sơ toàn vẹn" in verify.stdout
    offences: list[str] = []
    with zipfile.ZipFile(case_file) as archive:
        for name in archive.namelist():
            offences += _offences(f"case file {name}", _member_text(name, archive.read(name)))
    assert offences == [], "\n".join(offences)


def _member_text(name: str, content: bytes) -> str:
    """The text of a case-file member: its index, metadata, register of figures, documents."""
    suffix = Path(name).suffix.lower()
    if suffix == ".docx":
        return docx_text(content)
    if suffix == ".xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if suffix in (".csv", ".json", ".xml", ".txt", ".html", ".md"):
        return content.decode("utf-8", errors="replace")
    return ""  # the PDFs were read above; images and signatures hold no wording
