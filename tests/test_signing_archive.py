"""Signatures in the case file: the signed demo campaign archived by its job, each signed PDF
filed and validated (report member, index section), and verify-archive re-validating them."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document as Docx
from pypdf import PdfReader
from sqlalchemy import select

from service import migrate
from service.app import create_app
from service.archive import builder, naming, signatures
from service.archive.catalogue import collect
from service.archive.register import register_csv
from service.archive.verify import verify_archive
from service.commands import archive as archive_commands
from service.commands import archiving
from service.config import Config
from service.database import session, transaction
from service.documents.libreoffice import libreoffice_available
from service.documents.store import file_of, read_verified
from service.models import Document, Signature
from service.runner import PermanentError
from service.signing.toolkit import read_roots
from service.signing.validation import validate
from tests.conftest import need
from tests.signed_campaign import signed_demo, signing_config
from tests.test_archive import rewrite, run_jobs, update_sum, verify_cli
from workflows.vocabulary import DocumentStatus, SignatureState

REPORT = naming.file_name(naming.SIGNATURES_STEM, "json")
PLAN = "01/KH-SLĐTBXH"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Config, int]]:
    """(the ZIP built by the archive job once every document was signed, the configuration,
    the campaign's id); the application context stays open for the module's tests."""
    need(bool(libreoffice_available()), "LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("signed-archive")
    url = f"sqlite:///{folder / 'vanthu.sqlite'}"
    migrate.upgrade(url)
    config = signing_config(folder / "var", url)
    app = create_app(config)
    with app.app_context():
        campaign_id = signed_demo(config)
        run_jobs()  # the archive job waited for the signatures; it builds now
        path = archive_commands.export(campaign_id, folder / "out")
        yield path, config, campaign_id
    session.remove()


@pytest.fixture
def archive(built: tuple[Path, Config, int], tmp_path: Path) -> Path:
    copy = tmp_path / built[0].name
    shutil.copyfile(built[0], copy)
    return copy


def roots_of(config: Config) -> tuple[bytes, ...]:
    return read_roots(config.signing_dir / "roots")


def member(path: Path, relative: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(f"{path.stem}/{relative}")


def signed_pdfs(path: Path) -> dict[str, bytes]:
    """Every document PDF of the archive, by its path under the root."""
    with zipfile.ZipFile(path) as zf:
        return {
            name.split("/", 1)[1]: zf.read(name)
            for name in zf.namelist()
            if f"/{naming.DOCUMENTS_DIR}/" in name and name.endswith(".pdf")
        }


def first_signer(doc: dict[str, Any]) -> str:
    signature = doc["signatures"][0]
    return f"{signature['signer']}, {signature['organisation']}"


def test_every_pdf_filed_is_the_fully_signed_revision_of_the_issued_pdf(
    built: tuple[Path, Config, int],
) -> None:
    path, config, campaign_id = built
    pdfs = signed_pdfs(path)
    with transaction() as db:
        docs = db.scalars(
            select(Document).where(
                Document.campaign_id == campaign_id, Document.status == DocumentStatus.ISSUED
            )
        ).all()
        issued = {d.reference: read_verified(file_of(d, "pdf")) for d in docs}  # type: ignore[arg-type]
    assert len(pdfs) == len(issued) == 25
    metadata = json.loads(member(path, naming.file_name(naming.METADATA_STEM, "json")))
    for doc in metadata["documents"]:
        pdf_file = next(f for f in doc["files"] if f["format"] == "pdf")
        content = pdfs[pdf_file["path"]]
        first = issued[f"{doc['number']}/{doc['code']}"]
        assert content[: len(first)] == first and len(content) > len(first)
        reports = validate(content, roots_of(config))
        assert len(reports) == 2 and all(r.valid for r in reports), reports


def test_the_report_and_the_index_show_every_signature_valid(
    built: tuple[Path, Config, int],
) -> None:
    path = built[0]
    report = json.loads(member(path, REPORT))
    assert report["schema"] == signatures.SCHEMA and len(report["documents"]) == 25
    pdfs = signed_pdfs(path)
    for doc in report["documents"]:
        assert doc["path"] in pdfs
        assert [s["valid"] for s in doc["signatures"]] == [True, True], doc
        assert all(s["signed_at"].endswith("+07:00") and s["level"] for s in doc["signatures"])
    plan = next(d for d in report["documents"] if d["reference"] == PLAN)
    assert [s["field"] for s in plan["signatures"]] == ["Sig1_signer", "Sig2_agency"]

    index_docx = Docx(io.BytesIO(member(path, naming.file_name(naming.INDEX_STEM, "docx"))))
    body = "\n".join(p.text for p in index_docx.paragraphs)
    assert "KẾT QUẢ XÁC THỰC CHỮ KÝ SỐ" in body and REPORT in body
    rows = [[c.text for c in r.cells] for r in index_docx.tables[-1].rows]
    assert rows[0] == ["STT", "Số, ký hiệu", "Người ký", "Thời điểm ký", "Mức", "Kết quả"]
    assert len(rows) == 1 + 50 and all(r[5] == signatures.VALID for r in rows[1:])
    first = datetime.fromisoformat(plan["signatures"][0]["signed_at"])
    assert rows[1][:4] == ["1", PLAN, first_signer(plan), first.isoformat(timespec="seconds")]
    pdf = PdfReader(io.BytesIO(member(path, naming.file_name(naming.INDEX_STEM, "pdf"))))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "KẾT QUẢ XÁC THỰC CHỮ KÝ SỐ" in text and "Hợp lệ" in text
    note = member(path, naming.CLOSING_NAME).decode()
    assert "Chữ ký số: 25 văn bản ký số (bản PDF đã ký), 50 chữ ký" in note


def test_verify_archive_validates_every_signature_offline(
    built: tuple[Path, Config, int], archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = built[1]
    monkeypatch.setenv("VANTHU_SIGNING_DIR", str(config.signing_dir))  # the default roots
    code, output = verify_cli(archive)
    assert code == 0, output
    assert "Hồ sơ toàn vẹn: 59 tệp khớp mã SHA-256" in output
    assert "Chữ ký số hợp lệ: 50 chữ ký của 25 văn bản" in output

    untrusted = archive.parent / "other-roots"
    untrusted.mkdir()
    code, output = verify_cli(archive, "--roots", str(untrusted))
    assert code == 1, output
    assert f"Chữ ký số của văn bản số {PLAN} (tệp " in output
    assert "không thuộc tổ chức chứng thực được tin cậy" in output


def test_one_byte_changed_in_a_signed_pdf_fails_naming_the_document(
    built: tuple[Path, Config, int], archive: Path
) -> None:
    config = built[1]
    target = next(p for p in signed_pdfs(archive) if "01-KH-" in p)

    def flip(name: str, data: bytes) -> bytes:
        if not name.endswith(target):
            return data
        middle = len(data) // 3
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    rewrite(archive, flip)
    update_sum(archive, target)  # SHA256SUMS agrees: the signature check must catch it itself
    report = verify_archive(archive, roots=roots_of(config))
    assert not report.ok
    assert f"Tệp đã bị thay đổi (SHA-256 không khớp): {target}" not in report.problems
    named = [p for p in report.problems if p.startswith(f"Chữ ký số của văn bản số {PLAN} ")]
    assert len(named) == 1 and "không hợp lệ" in named[0], report.problems
    assert report.signed_documents == 24
    code, output = verify_cli(archive, "--roots", str(config.signing_dir / "roots"))
    assert code == 1 and named[0] in output, output


def test_the_build_waits_for_signatures_and_refuses_invalid_ones(
    built: tuple[Path, Config, int], tmp_path: Path
) -> None:
    campaign_id = built[2]
    db = session()
    try:
        row = db.scalars(select(Signature).order_by(Signature.id.desc()).limit(1)).one()
        row.state = SignatureState.WAITING
        db.flush()
        assert "1 văn bản chưa ký số xong: 14/BC-SLĐTBXH" in collect(db, campaign_id).problems
    finally:
        db.rollback()
        session.remove()
    with transaction() as db:
        case = collect(db, campaign_id)
        register = register_csv(db, case, built[1].timezone)
    assert not case.problems and len(case.signed) == 25
    with pytest.raises(PermanentError) as refused:  # no trusted root: no signature is valid
        builder.write_archive(
            tmp_path / "a.zip",
            case,
            register,
            archiving.read_document_file,
            None,
            lambda d, t: None,
        )
    assert str(refused.value).startswith("Chữ ký số không hợp lệ, chưa lập được hồ sơ: ")
    assert f"văn bản số {PLAN} (Sig1_signer: " in str(refused.value)
    assert not (tmp_path / "a.zip").exists()
