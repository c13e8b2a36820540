"""The case file (hồ sơ): a real campaign built into a ZIP by the archive job, read back with
unzip and zipfile, checked by verify-archive, built twice, and tampered with."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from docx import Document as Docx
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import create_engine, delete, select, update
from sqlalchemy.orm import Session

from service import migrate, runner
from service.app import create_app
from service.archive import builder, index, naming
from service.archive.catalogue import collect
from service.archive.register import register_csv
from service.archive.verify import verify_archive
from service.cli import main as cli
from service.commands import archive as archive_commands
from service.commands import archiving, documents
from service.config import Config
from service.database import init_engine, session, transaction
from service.demo import drive_campaign
from service.documents.libreoffice import libreoffice_available
from service.errors import Conflict
from service.jobs import QUEUES
from service.models import ArchiveBuild, Campaign, Document, Job, Organisation
from service.seed.load import load_demo
from service.timeutil import utcnow
from tests.auth_helper import SYSTEM
from tests.conftest import need
from workers.kinds import KINDS

UNZIP = "/usr/bin/unzip"


def run_jobs(limit: int = 2000) -> list[tuple[str, str]]:
    """Run every due job in the test process, as a worker would, until none is left.

    When only jobs waiting for a retry remain, their time is brought forward: the test's
    stand-in for the clock, so a backoff does not slow the suite.
    """
    outcomes: list[tuple[str, str]] = []
    for _ in range(limit):
        with transaction() as db:
            due = db.execute(
                select(Job.id, Job.kind)
                .where(Job.state == "queued", Job.run_after <= utcnow())
                .order_by(Job.id)
                .limit(1)
            ).first()
            if due is None:
                waiting = db.execute(
                    update(Job).where(Job.state == "queued").values(run_after=utcnow())
                )
                if not getattr(waiting, "rowcount", 0):
                    return outcomes
                continue
        outcomes.append((due.kind, runner.execute(due.id, KINDS, 300)))
    raise AssertionError("jobs kept coming")


def demo_campaign(app: Flask) -> int:
    """The Lạng Sơn campaign driven to its summary report, every job run."""
    with app.app_context():
        with transaction() as db:
            campaign_id = load_demo(db).id
        drive_campaign(campaign_id)
    return campaign_id


def members(data: bytes) -> list[zipfile.ZipInfo]:
    return zipfile.ZipFile(io.BytesIO(data)).infolist()


def read_member(data: bytes, suffix: str) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(data))
    name = next(n for n in archive.namelist() if n.endswith(f"/{suffix}"))
    return archive.read(name)


def newest(campaign_id: int) -> ArchiveBuild:
    with transaction() as db:
        build = db.scalar(
            select(ArchiveBuild)
            .where(ArchiveBuild.campaign_id == campaign_id)
            .order_by(ArchiveBuild.id.desc())
            .limit(1)
        )
        assert build is not None
        db.expunge(build)
        return build


def unzip_test(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([UNZIP, "-t", str(path)], capture_output=True, text=True, check=False)


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "../../etc/passwd",
        "a\\b",
        "..",
        ".",
        "",
        "/abs/path",
        "C:\\Windows\\x",
        "x\x00y\x1fz\u202e",
        "....//....//",
        "CON",
        "nul.txt",
        " . ",
    ],
)
def test_a_sanitised_component_can_never_leave_its_folder(hostile: str) -> None:
    name = naming.safe_component(hostile)
    assert name and "/" not in name and "\\" not in name and ".." not in name
    assert name not in (".", "..") and not name.startswith((".", " "))
    assert all(ch.isprintable() for ch in name)
    assert naming.unsafe_reason(naming.join("Hồ sơ", name)) == ""
    assert name.split(".")[0].upper() not in ("CON", "NUL")


def test_names_keep_diacritics_in_nfc_and_are_length_capped() -> None:
    nfd = "Tha\u0300nh pho\u0302\u0301 La\u0323ng So\u031bn"
    assert naming.safe_component(nfd) == "Thành phố Lạng Sơn"
    long = naming.safe_component("Đ" * 500)
    assert len(long) <= naming.MAX_CHARS and len(long.encode()) <= naming.MAX_BYTES
    stem = naming.document_stem(3, 2, "05/TB-SLĐTBXH", "Thông báo lịch kiểm tra", "huyện Cao Lộc")
    assert stem == "03 05-TB-SLĐTBXH Thông báo lịch kiểm tra - huyện Cao Lộc"


@pytest.mark.parametrize(
    "name", ["../x", "a/../b", "/etc/passwd", "a\\b", "C:/x", "a//b", "a/\x07b", "a/./b"]
)
def test_unsafe_member_names_are_refused(name: str) -> None:
    assert naming.unsafe_reason(name)
    with pytest.raises(ValueError):
        naming.join(*name.split("/"))


# --- one real case file, shared by the tests that only read or tamper with the ZIP -------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the ZIP of the demo campaign built by the archive job, its SQLite database)."""
    need(bool(libreoffice_available()), "LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("archive")
    url = f"sqlite:///{folder / 'vanthu.sqlite'}"
    migrate.upgrade(url)
    app = create_app(Config(var_dir=folder / "var", database_url=url, broker_url="memory://"))
    campaign_id = demo_campaign(app)
    with app.app_context():
        run_jobs()
        path = archive_commands.export(campaign_id, folder / "out")
    session.remove()
    yield path, folder / "vanthu.sqlite"
    session.remove()


@pytest.fixture
def archive(built: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the built ZIP for a test to tamper with."""
    copy = tmp_path / built[0].name
    shutil.copyfile(built[0], copy)
    return copy


def verify_cli(path: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["verify-archive", str(path), *options])
    return result.exit_code, result.output


def test_unzip_and_zipfile_read_it_with_the_utf8_flag(archive: Path) -> None:
    need(Path(UNZIP).exists(), "unzip is not installed")
    tested = unzip_test(archive)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "No errors detected" in tested.stdout
    infos = zipfile.ZipFile(archive).infolist()
    assert zipfile.ZipFile(archive).testzip() is None
    assert all(info.flag_bits & 0x800 for info in infos)  # ASCII-only SHA256SUMS included
    raw = archive.read_bytes()
    assert "Văn bản".encode() in raw and "Mục lục văn bản".encode() in raw  # UTF-8, not CP437
    roots = {info.filename.split("/")[0] for info in infos}
    assert len(roots) == 1 and archive.name == f"{roots.pop()}.zip"


def test_an_intact_archive_verifies(archive: Path) -> None:
    code, output = verify_cli(archive)
    assert code == 0, output
    assert (
        "Hồ sơ toàn vẹn: 58 tệp khớp mã SHA-256, 25 văn bản trong mục lục khớp với tệp; "
        "mã SHA-256 của 50 tệp văn bản thống nhất giữa SHA256SUMS, Siêu dữ liệu.json, "
        "Siêu dữ liệu.xml, Mục lục văn bản.csv và nội dung tệp." in output
    )


def test_an_intact_archive_agrees_with_the_database(
    built: tuple[Path, Path], archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VANTHU_DATABASE_URL", f"sqlite:///{built[1]}")
    code, output = verify_cli(archive, "--database")
    session.remove()
    assert code == 0, output
    assert "Mục lục văn bản.csv, cơ sở dữ liệu và nội dung tệp." in output


def test_sha256sums_covers_every_other_file_and_sha256sum_agrees(
    archive: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "x")
        names = zf.namelist()
    root = tmp_path / "x" / names[0].split("/")[0]
    listed = [line.split("  ", 1)[1] for line in (root / "SHA256SUMS").read_text().splitlines()]
    assert sorted(listed) == sorted(n.split("/", 1)[1] for n in names if not n.endswith("SUMS"))
    if shutil.which("sha256sum"):
        checked = subprocess.run(
            ["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=root, capture_output=True, check=False
        )
        assert checked.returncode == 0, checked.stdout


def test_member_order_is_index_then_documents_in_filing_order_then_the_rest(
    archive: Path,
) -> None:
    names = [n.split("/", 1)[1] for n in zipfile.ZipFile(archive).namelist()]
    assert names[:3] == ["Mục lục văn bản.pdf", "Mục lục văn bản.docx", "Mục lục văn bản.csv"]
    assert names[-6:] == [
        "Siêu dữ liệu.json",
        "Siêu dữ liệu.xml",
        "Sổ gửi văn bản.csv",
        "Sổ số liệu kiểm tra.csv",
        "Chứng từ kết thúc hồ sơ.txt",
        "SHA256SUMS",
    ]
    documents = names[3:-6]
    assert len(documents) == 50 and all(n.startswith("Văn bản/") for n in documents)
    kinds = [n.split(" ")[2].split("-")[1] for n in documents[::2]]
    assert kinds == ["KH", "QĐ", *["TB"] * 11, *["BB"] * 11, "BC"]
    assert [n.rsplit(".", 1)[1] for n in documents[:2]] == ["docx", "pdf"]


def test_the_index_lists_every_document_with_its_pdf_page_count(archive: Path) -> None:
    data = archive.read_bytes()
    rows = index.read_csv(read_member(data, "Mục lục văn bản.csv"))
    assert [int(r["STT"]) for r in rows] == list(range(1, 26))
    with zipfile.ZipFile(archive) as zf:
        root = zf.namelist()[0].split("/")[0]
        for row in rows:
            pdf = zf.read(f"{root}/{row['Tệp PDF']}")
            assert int(row["Số trang"]) == len(PdfReader(io.BytesIO(pdf)).pages)
            assert f"{root}/{row['Tệp DOCX']}" in zf.namelist()
    first = rows[0]
    assert first["Số, ký hiệu"] == "01/KH-SLĐTBXH" and first["Ngày tháng"] == "05/4/2023"
    assert first["Tên loại và trích yếu nội dung"].startswith("Kế hoạch kiểm tra công tác")
    assert first["Tác giả"] == "Sở Lao động - Thương binh và Xã hội"
    assert rows[13]["Tác giả"].startswith("Đoàn kiểm tra")
    assert len(rows) == 25

    docx = read_member(data, "Mục lục văn bản.docx")
    table = Docx(io.BytesIO(docx)).tables[1]
    assert [c.text for c in table.rows[0].cells] == list(index.COLUMNS)
    assert len(table.rows) == 26
    section = Docx(io.BytesIO(docx)).sections[0]
    assert round(section.page_width.mm) == 210 and round(section.left_margin.mm) == 30
    index_pdf = PdfReader(io.BytesIO(read_member(data, "Mục lục văn bản.pdf")))
    assert "MỤC LỤC VĂN BẢN" in index_pdf.pages[0].extract_text()


def test_metadata_json_and_xml_carry_the_appendix_vi_fields(archive: Path) -> None:
    data = archive.read_bytes()
    meta = json.loads(read_member(data, "Siêu dữ liệu.json"))
    assert meta["file"]["file_code"] == "SLĐTBXH.2023.01.PCTNXH"
    assert meta["file"]["document_count"] == 25 and meta["file"]["language"] == "Tiếng Việt"
    plan = meta["documents"][0]
    assert {
        "file_code",
        "order",
        "type_name",
        "number",
        "code",
        "issued_date",
        "organ_name",
        "subject",
        "language",
        "page_count",
        "signers",
        "recipients",
        "priority",
        "copies",
    } <= set(plan)
    assert (plan["type_name"], plan["number"], plan["code"]) == ("Kế hoạch", "01", "KH-SLĐTBXH")
    assert plan["issued_date"] == "2023-04-05"
    assert plan["signers"][0]["full_name"] == "Nguyễn Văn Giang"
    assert plan["recipients"][-1] == "Lưu: VT, PCTNXH"
    minutes = meta["documents"][13]
    assert [s["full_name"] for s in minutes["signers"]] == ["Hoàng Văn Minh", "Nguyễn Văn Giang"]
    tree = ElementTree.fromstring(read_member(data, "Siêu dữ liệu.xml"))
    assert len(tree.findall("documents/document")) == 25
    assert tree.findtext("documents/document/signers/signer/full_name") == "Nguyễn Văn Giang"


def test_closing_note_and_register(archive: Path) -> None:
    data = archive.read_bytes()
    note = read_member(data, "Chứng từ kết thúc hồ sơ.txt").decode()
    assert "Hồ sơ gồm 25 văn bản hiện hành" in note
    assert "từ ngày 05 tháng 4 năm 2023 đến ngày 20 tháng 11 năm 2023" in note
    assert "Tổng số tệp trong hồ sơ: 59" in note
    assert "Sổ số liệu kiểm tra: 11 cuộc kiểm tra, 13 chỉ tiêu" in note
    register = list(
        csv.reader(io.StringIO(read_member(data, "Sổ gửi văn bản.csv").decode("utf-8-sig")))
    )
    assert register[0][:2] == ["STT", "Số, ký hiệu"] and "Message-ID" in register[0]


def test_the_register_of_figures_follows_the_campaign_indicators(
    built: tuple[Path, Path],
) -> None:
    """One column an indicator of the plan, one row a held visit, and their totals last: the same
    figures as the report's table."""
    data = built[0].read_bytes()
    rows = list(
        csv.reader(io.StringIO(read_member(data, "Sổ số liệu kiểm tra.csv").decode("utf-8-sig")))
    )
    with Session(create_engine(f"sqlite:///{built[1]}")) as db:
        report = db.scalar(select(Document).where(Document.kind == "BC"))
        assert report is not None
        campaign = db.get(Campaign, report.campaign_id)
        assert campaign is not None
        labels = [i["label"] for i in campaign.indicators]
        printed = [r["values"] for r in report.context["district_rows"]]
    assert rows[0] == ["STT", "Đơn vị được kiểm tra", "Huyện, thành phố", *labels]
    assert [r[0] for r in rows[1:-1]] == [str(n) for n in range(1, 12)]
    assert rows[-1][:3] == ["", "Tổng cộng", ""]
    for column in range(3, 3 + len(labels)):
        assert int(rows[-1][column]) == sum(int(r[column]) for r in rows[1:-1])
    assert [r[3:] for r in rows[1:]] == printed


def test_without_libreoffice_the_index_pdf_is_absent_and_the_note_says_so(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    init_engine(f"sqlite:///{built[1]}")
    with transaction() as db:
        case = collect(db, 1)
        register = register_csv(db, case, "Asia/Ho_Chi_Minh")
    path = tmp_path / "no-pdf.zip"
    result = builder.write_archive(
        path, case, register, archiving.read_document_file, None, lambda done, total: None
    )
    session.remove()
    names = zipfile.ZipFile(path).namelist()
    assert not any(n.endswith("Mục lục văn bản.pdf") for n in names)
    assert result.index_formats == ["docx", "csv"] and len(names) == result.members
    note = read_member(path.read_bytes(), "Chứng từ kết thúc hồ sơ.txt").decode()
    assert "Không có bản PDF của mục lục văn bản: LibreOffice không khả dụng" in note
    assert "Mục lục văn bản: DOCX, CSV." in note
    assert verify_archive(path).ok


# --- tampering -------------------------------------------------------------------------------


def rewrite(path: Path, change: Any) -> None:
    """Rebuild the ZIP with `change(name, data) -> data | None` applied (None drops a member)."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            changed = change(info.filename, data)
            if changed is not None:
                target.writestr(info, changed)


def update_sum(path: Path, relative: str) -> None:
    """Recompute the SHA256SUMS line of `relative` alone, as a forger would."""
    with zipfile.ZipFile(path) as zf:
        root = zf.namelist()[0].split("/")[0]
        digest = hashlib.sha256(zf.read(f"{root}/{relative}")).hexdigest()

    def new_sums(name: str, data: bytes) -> bytes:
        if not name.endswith("SHA256SUMS"):
            return data
        lines = [
            f"{digest}  {relative}" if line.endswith(f"  {relative}") else line
            for line in data.decode().splitlines()
        ]
        return ("\n".join(lines) + "\n").encode()

    rewrite(path, new_sums)


def first_pdf(path: Path) -> str:
    return next(
        n for n in zipfile.ZipFile(path).namelist() if "/Văn bản/" in n and n.endswith("pdf")
    )


def test_one_byte_flipped_in_the_zip_is_caught(archive: Path) -> None:
    name = first_pdf(archive)
    info = zipfile.ZipFile(archive).getinfo(name)
    assert info.compress_type == zipfile.ZIP_STORED
    data = bytearray(archive.read_bytes())
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 500
    data[offset] ^= 0x01
    archive.write_bytes(bytes(data))
    code, output = verify_cli(archive)
    relative = name.split("/", 1)[1]
    assert code == 1
    assert f"Tệp đã bị thay đổi (SHA-256 không khớp): {relative}" in output
    assert "Hồ sơ không toàn vẹn: 1 lỗi" in output


def test_a_member_changed_with_a_valid_crc_is_caught(archive: Path) -> None:
    name = first_pdf(archive)
    rewrite(archive, lambda n, d: d[:-2] + b"X\n" if n == name else d)
    code, output = verify_cli(archive)
    assert code == 1
    assert f"Tệp đã bị thay đổi (SHA-256 không khớp): {name.split('/', 1)[1]}" in output


def test_a_removed_member_is_caught(archive: Path) -> None:
    name = first_pdf(archive)
    rewrite(archive, lambda n, d: None if n == name else d)
    code, output = verify_cli(archive)
    relative = name.split("/", 1)[1]
    assert code == 1
    assert f"Thiếu tệp: {relative}" in output
    assert f"Mục lục ghi tệp không có trong hồ sơ: {relative}" in output


def test_an_extra_member_is_caught(archive: Path) -> None:
    root = zipfile.ZipFile(archive).namelist()[0].split("/")[0]
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr(f"{root}/Văn bản/99 thêm.pdf", b"%PDF-1.4 not ours")
    code, output = verify_cli(archive)
    assert code == 1
    assert "Tệp thừa, không có trong SHA256SUMS: Văn bản/99 thêm.pdf" in output
    assert "Tệp văn bản không có trong mục lục: Văn bản/99 thêm.pdf" in output


def test_an_index_that_disagrees_with_the_files_is_caught(archive: Path) -> None:
    """Even with SHA256SUMS recomputed, a wrong page count in the index is reported."""

    def wrong_pages(name: str, data: bytes) -> bytes:
        if not name.endswith("Mục lục văn bản.csv"):
            return data
        rows = data.decode("utf-8-sig").split("\r\n")
        fields = next(csv.reader([rows[1]]))
        fields[5] = "9"
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(fields)
        rows[1] = out.getvalue()
        return "\r\n".join(rows).encode("utf-8-sig")

    rewrite(archive, wrong_pages)
    update_sum(archive, "Mục lục văn bản.csv")
    code, output = verify_cli(archive)
    assert code == 1
    assert "Số trang của văn bản số 01/KH-SLĐTBXH trong mục lục (9) khác tệp PDF (3)" in output


PLAN_DOCX = "Văn bản/01 01-KH-SLĐTBXH Kế hoạch kiểm tra.docx"


def forge_plan_number(path: Path) -> None:
    """Change «Số: 01» to «Số: 99» in the plan's DOCX and recompute only its SHA256SUMS line."""

    def renumber(name: str, data: bytes) -> bytes:
        if not name.endswith(PLAN_DOCX):
            return data
        source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                part = source.read(info)
                if info.filename == "word/document.xml":
                    assert "Số: 01".encode() in part
                    part = part.replace("Số: 01".encode(), "Số: 99".encode())
                target.writestr(info, part)
        return out.getvalue()

    rewrite(path, renumber)
    update_sum(path, PLAN_DOCX)


def test_a_forged_document_with_its_checksum_line_updated_is_caught(archive: Path) -> None:
    forge_plan_number(archive)
    code, output = verify_cli(archive)
    assert code == 1, output
    assert "Hồ sơ toàn vẹn" not in output and "Hồ sơ không toàn vẹn: 1 lỗi" in output
    assert (
        f"Mã SHA-256 của văn bản số 01/KH-SLĐTBXH (tệp DOCX {PLAN_DOCX}) không thống nhất giữa "
        "các bản ghi: Siêu dữ liệu.json, Siêu dữ liệu.xml, Mục lục văn bản.csv: " in output
    )
    forged = hashlib.sha256(
        zipfile.ZipFile(archive).read(f"{archive.stem}/{PLAN_DOCX}")
    ).hexdigest()
    assert f"; SHA256SUMS, nội dung tệp: {forged}" in output


def test_a_forged_document_disagrees_with_the_database(
    built: tuple[Path, Path], archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forge_plan_number(archive)
    monkeypatch.setenv("VANTHU_DATABASE_URL", f"sqlite:///{built[1]}")
    code, output = verify_cli(archive, "--database")
    session.remove()
    assert code == 1, output
    assert "không khớp lần lập hồ sơ nào trong cơ sở dữ liệu" in output
    assert "Mục lục văn bản.csv, cơ sở dữ liệu: " in output


def test_metadata_tampered_alone_is_caught(archive: Path) -> None:
    """A metadata file whose SHA-256 of the plan was changed, its own checksum line updated."""
    name = "Siêu dữ liệu.json"

    def wrong_sha(member: str, data: bytes) -> bytes:
        if not member.endswith(name):
            return data
        meta = json.loads(data)
        meta["documents"][0]["files"][0]["sha256"] = "0" * 64
        return json.dumps(meta, ensure_ascii=False, indent=2).encode()

    rewrite(archive, wrong_sha)
    update_sum(archive, name)
    code, output = verify_cli(archive)
    assert code == 1, output
    assert (
        f"Mã SHA-256 của văn bản số 01/KH-SLĐTBXH (tệp DOCX {PLAN_DOCX}) không thống nhất giữa "
        "các bản ghi: Siêu dữ liệu.xml, Mục lục văn bản.csv, SHA256SUMS, nội dung tệp: " in output
    )
    assert f"; {name}: {'0' * 64}" in output


def test_a_member_outside_the_root_is_caught(archive: Path) -> None:
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("../evil.txt", b"x")
    report = verify_archive(archive)
    assert not report.ok
    assert any("Tên tệp không an toàn" in p and "../evil.txt" in p for p in report.problems)


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(b"not a zip")
    code, output = verify_cli(path)
    assert code == 1 and "Không đọc được tệp ZIP" in output


# --- the job, the API, determinism and hostile names (SQLite and PostgreSQL) -----------------


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def test_issuing_the_report_enqueues_a_build_that_waits_for_conversions(
    app: Flask, client: FlaskClient, ctx: None
) -> None:
    need(bool(libreoffice_available()), "LibreOffice (soffice) is not installed")
    with transaction() as db:
        campaign_id = load_demo(db).id
    response = client.post(f"/api/v1/campaigns/{campaign_id}/archive")
    assert response.status_code == 409
    assert "Chưa ban hành báo cáo kết quả kiểm tra" in response.json["problems"][0]
    assert client.get(f"/api/v1/campaigns/{campaign_id}/archive").status_code == 404

    drive_campaign(campaign_id)
    build = newest(campaign_id)
    assert (build.state, build.requested_by) == ("queued", SYSTEM.name)
    with transaction() as db:
        job = db.scalar(select(Job).where(Job.kind == "archive"))
        assert job is not None and job.payload == {"build_id": build.id}
    assert QUEUES["archive"] == "archive"
    again = client.post(f"/api/v1/campaigns/{campaign_id}/archive")
    assert again.status_code == 202 and again.json["id"] == build.id  # the pending one

    # Run renders only, then the archive job: the PDFs are not there yet.
    with transaction() as db:
        renders = db.scalars(select(Job.id).where(Job.kind == "render").order_by(Job.id)).all()
    for job_id in renders:
        assert runner.execute(job_id, KINDS, 300) == "done"
    # Waiting for them is not a failed attempt: however often it looks, no attempt is used.
    for _ in range(3):
        assert runner.execute(job.id, KINDS, 300) == "waiting"
        with transaction() as db:
            db.execute(update(Job).where(Job.id == job.id).values(run_after=utcnow()))
    with transaction() as db:
        waiting = db.get(Job, job.id)
        assert waiting is not None and waiting.state == "queued" and waiting.attempts == 0
        assert "25 văn bản chưa chuyển xong sang PDF: 01/KH-SLĐTBXH" in waiting.last_error
    status = client.get(f"/api/v1/campaigns/{campaign_id}/archive").json
    assert status["state"] == "queued"
    assert status["last_error"].startswith("Đang chờ: 25 văn bản chưa chuyển xong sang PDF")
    assert client.get(f"/api/v1/campaigns/{campaign_id}/archive/file").status_code == 404

    outcomes = run_jobs()
    assert ("archive", "done") in outcomes
    status = client.get(f"/api/v1/campaigns/{campaign_id}/archive").json
    assert status["state"] == "done" and status["progress"] == status["total"] == 59
    assert status["last_error"] == "" and status["filename"].endswith(".zip")

    download = client.get(f"/api/v1/campaigns/{campaign_id}/archive/file")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    disposition = download.headers["Content-Disposition"]
    assert "filename*=UTF-8''SL%C4%90TBXH.2023" in disposition
    first = download.data
    assert hashlib.sha256(first).hexdigest() == status["sha256"] and len(first) == status["size"]
    pieces = list(archive_commands.content_chunks(status["id"], status["size"], chunk=100_000))
    assert b"".join(pieces) == first and len(pieces) == -(-status["size"] // 100_000)

    # Once every job has settled (the e-mails of the register too), two builds of the same
    # data are byte for byte the same file.
    shas = []
    for _ in range(2):
        requested = client.post(f"/api/v1/campaigns/{campaign_id}/archive")
        assert requested.status_code == 202 and requested.json["state"] == "queued"
        run_jobs()
        rebuilt = client.get(f"/api/v1/campaigns/{campaign_id}/archive").json
        assert rebuilt["id"] == requested.json["id"] and rebuilt["state"] == "done"
        download = client.get(f"/api/v1/campaigns/{campaign_id}/archive/file")
        assert hashlib.sha256(download.data).hexdigest() == rebuilt["sha256"]
        shas.append(rebuilt["sha256"])
    assert shas[0] == shas[1]


def render_only() -> None:
    """Run the render jobs alone: DOCX files without PDFs, enough for what names are made of."""
    with transaction() as db:
        renders = db.scalars(
            select(Job.id).where(Job.kind == "render", Job.state == "queued").order_by(Job.id)
        ).all()
    for job_id in renders:
        assert runner.execute(job_id, KINDS, 300) == "done"


def test_hostile_names_cannot_escape_the_archive_root(ctx: None, tmp_path: Path) -> None:
    need(Path(UNZIP).exists(), "unzip is not installed")
    with transaction() as db:
        campaign = load_demo(db)
        campaign_id = campaign.id
        campaign.title = "../../etc/passwd a\\b"
        issuer = db.get(Organisation, campaign.issuer_id)
        assert issuer is not None
        issuer.name = "=../../etc/passwd"  # a spreadsheet formula, too
        issuer.code = "..\\..\\x/../y"
        campaign.targets[0].office.district = "../../../../tmp/pwned\x07\n"  # no NUL in PG text
    drive_campaign(campaign_id)
    render_only()
    with transaction() as db:
        case = collect(db, campaign_id)
        register = register_csv(db, case, "Asia/Ho_Chi_Minh")
    path = tmp_path / f"{case.root}.zip"
    builder.write_archive(
        path, case, register, archiving.read_document_file, None, lambda d, t: None
    )

    names = zipfile.ZipFile(path).namelist()
    root = names[0].split("/")[0]
    assert root == case.root and "etc-passwd a-b" in root and not root.startswith(".")
    for name in names:
        assert name.startswith(f"{root}/") and not naming.unsafe_reason(name), name
        assert "\\" not in name and ".." not in name and "\x07" not in name
    assert any("KH-.-.-x-.-y" in n for n in names)
    assert any("tmp-pwned" in n for n in names)
    assert verify_archive(path).ok
    rows = index.read_csv(read_member(path.read_bytes(), "Mục lục văn bản.csv"))
    assert rows[0]["Tác giả"] == "'=../../etc/passwd"  # shown as text, never evaluated

    inside = tmp_path / "extract" / "deep"
    inside.mkdir(parents=True)
    result = subprocess.run([UNZIP, "-q", str(path), "-d", str(inside)], capture_output=True)
    assert result.returncode == 0, result.stderr
    zipfile.ZipFile(path).extractall(tmp_path / "extract" / "py")
    extracted = [p for p in (tmp_path / "extract").rglob("*") if p.is_file()]
    assert len(extracted) == 2 * len(names)
    for found in extracted:
        assert found.resolve().is_relative_to((tmp_path / "extract").resolve())
    assert sorted(p.name for p in (tmp_path / "extract").iterdir()) == ["deep", "py"]
    assert list(inside.iterdir()) == [inside / root]


def test_superseded_versions_are_filed_apart_and_drafts_never(ctx: None, tmp_path: Path) -> None:
    with transaction() as db:
        campaign_id = load_demo(db).id
    drive_campaign(campaign_id)
    with transaction() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        corrected = documents.draft(db, SYSTEM, campaign.id, "KH")
        documents.issue(db, SYSTEM, corrected.id, date(2023, 4, 12))
        documents.draft(db, SYSTEM, campaign.id, "QD")  # a draft of a new version, never issued
    render_only()
    with transaction() as db:
        case = collect(db, campaign_id)
        register = register_csv(db, case, "Asia/Ho_Chi_Minh")
    path = tmp_path / "a.zip"
    builder.write_archive(
        path, case, register, archiving.read_document_file, None, lambda d, t: None
    )

    rows = index.read_csv(read_member(path.read_bytes(), "Mục lục văn bản.csv"))
    assert len(rows) == 26 and len(case.current) == 25 and len(case.superseded) == 1
    new_plan, old_plan = rows[0], rows[-1]
    assert new_plan["Số, ký hiệu"] == "15/KH-SLĐTBXH" and new_plan["Ngày tháng"] == "12/4/2023"
    assert "Thay thế văn bản số 01/KH-SLĐTBXH" in new_plan["Ghi chú"]
    assert old_plan["Số, ký hiệu"] == "01/KH-SLĐTBXH" and old_plan["STT"] == "26"
    assert "Đã được thay thế bởi văn bản số 15/KH-SLĐTBXH" in old_plan["Ghi chú"]
    assert old_plan["Tệp DOCX"] == "Văn bản đã thay thế/26 01-KH-SLĐTBXH Kế hoạch kiểm tra.docx"
    assert new_plan["Tệp DOCX"].startswith("Văn bản/01 15-KH-SLĐTBXH")
    assert sum(1 for r in rows if r["Số, ký hiệu"].startswith("02/QĐ")) == 1  # no draft
    assert verify_archive(path).ok
    note = read_member(path.read_bytes(), "Chứng từ kết thúc hồ sơ.txt").decode()
    assert "và 1 văn bản đã được thay thế" in note


def test_progress_is_recorded_while_building(built: tuple[Path, Path], tmp_path: Path) -> None:
    init_engine(f"sqlite:///{built[1]}")
    with transaction() as db:
        case = collect(db, 1)
        register = register_csv(db, case, "Asia/Ho_Chi_Minh")
        build = ArchiveBuild(campaign_id=1, state="running")
        db.add(build)
        db.flush()
        build_id = build.id
    seen: list[tuple[int, int]] = []
    report = archiving._reporter(build_id, every=0.0)

    def progress(done: int, total: int) -> None:
        report(done, total)
        with transaction() as db:
            row = db.get(ArchiveBuild, build_id)
            assert row is not None
            seen.append((row.progress, row.total))

    builder.write_archive(
        tmp_path / "a.zip", case, register, archiving.read_document_file, None, progress
    )
    with transaction() as db:
        db.execute(delete(ArchiveBuild).where(ArchiveBuild.id == build_id))
    session.remove()
    assert seen[0] == (2, 58) and seen[-1] == (58, 58)
    assert [p for p, _ in seen] == sorted(p for p, _ in seen) and len(seen) == 52


def test_a_campaign_without_report_cannot_be_archived(ctx: None) -> None:
    with transaction() as db:
        campaign = load_demo(db)
        with pytest.raises(Conflict) as refused:
            archive_commands.request_build(db, SYSTEM, campaign.id)
        assert "Chưa ban hành báo cáo" in str(refused.value)
        assert db.scalar(select(ArchiveBuild.id)) is None
        assert db.get(Campaign, campaign.id) is not None
