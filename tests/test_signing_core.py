"""The signing library on its own: demo PKI, both key stores, PAdES levels, validation, uploads."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko_certvalidator import ValidationContext

from service.signing import SigningError, appearance, placement
from service.signing.keys import KeySource, close_signer, signer_for
from service.signing.pdf import FieldSpec, prepare, sign, timestamper_for
from service.signing.pki import DemoPki, Identity
from service.signing.upload import Refused, check_upload
from service.signing.validation import VIETNAM, UnreadablePdf, load_roots, validate
from tests.signing_helper import (  # noqa: F401 (fixtures)
    AGENCY,
    TOKEN_PIN,
    LivePki,
    live_pki_fixture,
    softhsm_dir_fixture,
    softhsm_fixture,
)

DATA = Path(__file__).parent / "data"
QD = (DATA / "signing_qd.pdf").read_bytes()
BB = (DATA / "signing_bb.pdf").read_bytes()
SIGNER = "Nguyễn Văn Giang"
WHEN = dt.datetime(2023, 10, 10, 8, 30, tzinfo=VIETNAM)


def _prepared(pdf: bytes = QD) -> bytes:
    block = placement.find_block(pdf, SIGNER, "KT. GIÁM ĐỐC")
    assert block is not None
    signer_box = placement.signature_box(block)
    return prepare(
        pdf, [FieldSpec("signer", signer_box), FieldSpec("seal", placement.seal_box(signer_box))]
    )


def _sign_signer(live: LivePki, pdf: bytes, source: KeySource | None = None, **kw: object):
    signer = signer_for(source or live.pkcs12, "giang")
    try:
        return sign(
            pdf,
            "signer",
            signer,
            appearance.signature_image(SIGNER),
            "",
            timestamper=kw.get("timestamper"),  # type: ignore[arg-type]
            validation=kw.get("validation"),  # type: ignore[arg-type]
            signing_time=WHEN,
        )
    finally:
        close_signer(signer)


def _sign_seal(live: LivePki, pdf: bytes, **kw: object):
    return sign(
        pdf,
        "seal",
        signer_for(live.pkcs12, "seal"),
        appearance.seal_image(AGENCY, "tỉnh Lạng Sơn"),
        f"{AGENCY}\n%(ts)s",
        timestamper=kw.get("timestamper"),  # type: ignore[arg-type]
        validation=kw.get("validation"),  # type: ignore[arg-type]
        signing_time=WHEN + dt.timedelta(minutes=5),
    )


def _roots(live: LivePki) -> list[bytes]:
    return [live.pki.root_path.read_bytes()]


def test_placement_between_authority_and_name() -> None:
    block = placement.find_block(QD, SIGNER, "KT. GIÁM ĐỐC")
    assert block is not None and block.page == 1
    assert block.height > 50 and block.width > 90
    signer_box = placement.signature_box(block)
    assert block.y1 <= signer_box.y1 < signer_box.y2 <= block.y2
    seal = placement.seal_box(signer_box)
    diameter = appearance.SEAL_MM * placement.MM
    assert seal.width == pytest.approx(diameter)
    assert seal.x2 == pytest.approx(signer_box.x1 + signer_box.width / 3)
    # minutes: two parties side by side, each block above its own name
    team = placement.find_block(BB, SIGNER, "TRƯỞNG ĐOÀN KIỂM TRA")
    unit = placement.find_block(BB, "Hoàng Văn Minh", "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA")
    assert team is not None and unit is not None
    assert unit.x2 < team.x1
    assert placement.find_block(QD, "Người Khác", "KT. GIÁM ĐỐC") is None


def test_demo_pki_is_created_once_and_extended(tmp_path: Path) -> None:
    people = [Identity("a", "Lê Thị A", AGENCY)]
    pki = DemoPki.ensure(tmp_path, AGENCY, people, "http://127.0.0.1:9")
    root = pki.root_path.read_bytes()
    again = DemoPki.ensure(tmp_path, AGENCY, [*people, Identity("b", "Trần Văn B", AGENCY)], "")
    assert again.root_path.read_bytes() == root
    assert again.key_path("a").exists() and again.key_path("b").exists()
    assert (tmp_path / "crl" / "root.crl").exists()


def test_two_signatures_into_prepared_fields(live_pki: LivePki, tmp_path: Path) -> None:
    prepared = _prepared()
    assert prepared.startswith(QD)
    first = _sign_signer(live_pki, prepared)
    assert first.level == "B-B"
    assert first.pdf.startswith(prepared)
    second = _sign_seal(live_pki, first.pdf)
    assert second.pdf.startswith(first.pdf)
    reports = validate(second.pdf, _roots(live_pki))
    assert [r.field for r in reports] == ["signer", "seal"]
    assert all(r.valid for r in reports), [r.reason for r in reports]
    assert reports[0].signer == SIGNER and reports[1].organisation == AGENCY
    assert reports[0].signed_at == WHEN
    assert reports[0].to_dict()["signed_at"] == "2023-10-10T08:30:00+07:00"
    # the seal's stamp text carries the signing time in ISO 8601 at +07:00
    assert b"2023-10-10T08:35:00+07:00" not in second.pdf  # (text is glyph ids, not bytes)
    text = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-", "-"],
        input=second.pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "2023-10-10T08:35:00+07:00" in text
    # Another validator accepts both: pyHanko's command line, trusting the demo root alone.
    signed, root = tmp_path / "signed.pdf", tmp_path / "root.pem"
    signed.write_bytes(second.pdf)
    root.write_bytes(live_pki.pki.root_pem())
    pyhanko = [str(Path(sys.executable).with_name("pyhanko")), "sign", "validate"]
    done = subprocess.run(
        [*pyhanko, "--trust", str(root), "--trust-replace", str(signed)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split(":")[2] for line in done.stdout.splitlines()] == ["INTACT", "INTACT"]


def test_b_t_with_live_tsa_and_b_lt_with_live_crl(live_pki: LivePki) -> None:
    tsa = timestamper_for(live_pki.tsa_url, None)
    timestamped = _sign_signer(live_pki, _prepared(), timestamper=tsa)
    assert timestamped.level == "B-T"
    (report,) = validate(timestamped.pdf, _roots(live_pki))
    assert report.valid and report.timestamped and report.level == "B-T"
    context = ValidationContext(
        trust_roots=load_roots(_roots(live_pki)), allow_fetching=True, revocation_mode="hard-fail"
    )
    long_term = _sign_signer(live_pki, _prepared(), timestamper=tsa, validation=context)
    assert long_term.level == "B-LT"
    (report,) = validate(long_term.pdf, _roots(live_pki))
    assert report.valid and report.level == "B-LT", report.reason


def test_unreachable_revocation_degrades_truthfully(live_pki: LivePki, tmp_path: Path) -> None:
    offline = DemoPki.ensure(
        tmp_path, AGENCY, [Identity("x", "Vũ Văn X", AGENCY)], "http://127.0.0.1:9"
    )
    context = ValidationContext(
        trust_roots=load_roots([offline.root_path.read_bytes()]),
        allow_fetching=True,
        revocation_mode="hard-fail",
    )
    signed = sign(
        _prepared(),
        "signer",
        signer_for(KeySource("pkcs12", offline.keys_folder, DemoPki.passphrase), "x"),
        appearance.signature_image("Vũ Văn X"),
        "",
        timestamper=timestamper_for(None, offline),
        validation=context,
        signing_time=WHEN,
    )
    assert signed.level == "B-T"


def test_softhsm_key_signs(live_pki: LivePki, softhsm: KeySource) -> None:
    signed = _sign_signer(live_pki, _prepared(), softhsm)
    (report,) = validate(signed.pdf, _roots(live_pki))
    assert report.valid and report.signer == SIGNER
    with pytest.raises(SigningError, match="PIN"):
        signer_for(softhsm, "giang", pin="000000")
    with pytest.raises(SigningError, match="Không tìm thấy"):
        signer_for(softhsm, "nobody", pin=TOKEN_PIN)
    signer = signer_for(softhsm, "seal")
    close_signer(signer)


def test_pkcs12_errors_are_vietnamese(live_pki: LivePki) -> None:
    with pytest.raises(SigningError, match="Không tìm thấy"):
        signer_for(live_pki.pkcs12, "nobody")
    with pytest.raises(SigningError, match="sai mật khẩu"):
        signer_for(live_pki.pkcs12, "giang", pin="wrong")


def test_one_byte_tamper_is_reported(live_pki: LivePki) -> None:
    signed = _sign_signer(live_pki, _prepared()).pdf
    at = len(QD) // 2
    tampered = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1 :]
    (report,) = validate(tampered, _roots(live_pki))
    assert not report.valid and not report.intact and report.reason
    with pytest.raises(UnreadablePdf):
        validate(b"not a pdf", _roots(live_pki))


def test_untrusted_root_is_not_trusted(live_pki: LivePki, tmp_path: Path) -> None:
    other = DemoPki.ensure(tmp_path, "Cơ quan khác", [], "http://127.0.0.1:9")
    (report,) = validate(_sign_signer(live_pki, _prepared()).pdf, [other.root_pem()])
    assert report.intact and not report.trusted and not report.valid


# uploads from a signer's local tool


def test_upload_accepted(live_pki: LivePki) -> None:
    issued = _prepared()
    uploaded = _sign_signer(live_pki, issued).pdf
    (report,) = check_upload(issued, uploaded, "signer", _roots(live_pki))
    assert report.valid


def test_upload_refused_when_first_revision_differs(live_pki: LivePki) -> None:
    issued = _prepared()
    uploaded = _sign_signer(live_pki, _prepared(QD + b"\n")).pdf  # one more byte: another file
    with pytest.raises(Refused, match="SHA-256"):
        check_upload(issued, uploaded, "signer", _roots(live_pki))


def test_upload_refused_when_untrusted(live_pki: LivePki, tmp_path: Path) -> None:
    stranger = DemoPki.ensure(tmp_path, "Tự cấp", [Identity("s", SIGNER, "Tự cấp")], "")
    issued = _prepared()
    uploaded = sign(
        issued,
        "signer",
        signer_for(KeySource("pkcs12", stranger.keys_folder, DemoPki.passphrase), "s"),
        appearance.signature_image(SIGNER),
        "",
        timestamper=None,
        validation=None,
        signing_time=WHEN,
    ).pdf
    with pytest.raises(Refused, match="tin cậy"):
        check_upload(issued, uploaded, "signer", _roots(live_pki))


def test_upload_refused_when_content_changes(live_pki: LivePki) -> None:
    issued = _sign_signer(live_pki, _prepared()).pdf  # the seal step: signer already signed
    writer = IncrementalPdfFileWriter(io.BytesIO(issued), strict=False)
    scribble = generic.StreamObject(stream_data=b"0 0 1 rg 100 100 200 50 re f")
    writer.add_stream_to_page(0, writer.add_object(scribble))  # draws on page 1
    out = io.BytesIO()
    writer.write(out)
    uploaded = _sign_seal(live_pki, out.getvalue()).pdf
    with pytest.raises(Refused, match="thay đổi nội dung"):
        check_upload(issued, uploaded, "seal", _roots(live_pki))


def test_upload_refused_when_not_a_pdf(live_pki: LivePki) -> None:
    with pytest.raises(Refused, match="PDF"):
        check_upload(_prepared(), b"PK\x03\x04 a zip", "signer", _roots(live_pki))


def test_upload_refused_without_new_signature(live_pki: LivePki) -> None:
    issued = _prepared()
    with pytest.raises(Refused, match="đúng một chữ ký mới"):
        check_upload(issued, issued, "signer", _roots(live_pki))
