"""Signing fixtures for any test: a demo PKI, its trust services on a live port, a SoftHSM token."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pkcs11 import Attribute, CertificateType, ObjectClass
from pkcs11.util.rsa import decode_rsa_private_key

from service.signing.keys import KeySource
from service.signing.pki import DemoPki, Identity
from service.signing.trust_services import serve
from tests.conftest import need

AGENCY = "Sở Lao động - Thương binh và Xã hội"
PEOPLE = (
    Identity("giang", "Nguyễn Văn Giang", AGENCY, "giang@example.vn"),
    Identity("minh", "Hoàng Văn Minh", "Phòng Lao động - Thương binh và Xã hội thành phố Lạng Sơn"),
    Identity("seal", AGENCY, AGENCY, seal=True),
)
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "vanthu-test"
TOKEN_PIN = "123456"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LivePki:
    """The demo PKI whose CRL and TSA are served at `base_url`."""

    pki: DemoPki
    base_url: str

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/tsa"

    @property
    def pkcs12(self) -> KeySource:
        return KeySource("pkcs12", self.pki.keys_folder, DemoPki.passphrase)


@pytest.fixture(scope="session", name="live_pki")
def live_pki_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePki]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    pki = DemoPki.ensure(tmp_path_factory.mktemp("pki"), AGENCY, PEOPLE, base_url)
    server = serve(pki, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LivePki(pki, base_url)
    server.shutdown()
    thread.join()


def _tool(*args: str, env: dict[str, str]) -> None:
    subprocess.run(args, env=env, check=True, capture_output=True)


@pytest.fixture(scope="session", name="softhsm_dir")
def softhsm_dir_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SoftHSM2 token folder for this test session (SOFTHSM2_CONF points at it)."""
    available = bool(shutil.which("softhsm2-util") and shutil.which("pkcs11-tool"))
    need(available and Path(SOFTHSM_MODULE).exists(), "softhsm2 and opensc are not installed")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    # The one token of the session, made before any test loads the PKCS#11 library: a library
    # lists the tokens present when it is loaded, and would not see one made later.
    _tool(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        TOKEN_LABEL,
        "--so-pin",
        "12345678",
        "--pin",
        TOKEN_PIN,
        env=dict(os.environ),
    )
    yield folder
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def token_with(keys: Sequence[tuple[str, Path]], root: DemoPki) -> KeySource:
    """The session's token, given each PKCS#12 file's key and certificate under its key label
    (as an agency's HSM holds `person-<id>` and `seal-<id>`), and the root certificate.

    Written through this process's own PKCS#11 library: a library lists a token's objects as
    they were when it was loaded, and would not see objects another process added since."""
    token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=TOKEN_PIN) as session:
        for key_label, p12 in keys:
            passphrase = DemoPki.passphrase.encode()
            key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), passphrase)
            assert key is not None and cert is not None
            object_id = next(_object_ids).to_bytes(4, "big")
            private = key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
            session.create_object(
                decode_rsa_private_key(private)
                | {Attribute.LABEL: key_label, Attribute.ID: object_id, Attribute.TOKEN: True}
            )
            _certificate(session, cert, key_label, object_id)
        _certificate(session, root.root_cert, f"root-{next(_object_ids)}", b"root")
    return KeySource("pkcs11", module=SOFTHSM_MODULE, token_label=TOKEN_LABEL, pin=TOKEN_PIN)


def _certificate(
    session: pkcs11.Session, cert: x509.Certificate, label: str, object_id: bytes
) -> None:
    session.create_object(
        {
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.LABEL: label,
            Attribute.ID: object_id,
            Attribute.TOKEN: True,
        }
    )


_object_ids = itertools.count(1)


@pytest.fixture(scope="session", name="softhsm")
def softhsm_fixture(live_pki: LivePki, softhsm_dir: Path) -> KeySource:
    """A SoftHSM2 token holding every demo key and certificate (labelled by key id) and the root."""
    pki = live_pki.pki
    keys = [(person.key_id, pki.key_path(person.key_id)) for person in PEOPLE]
    return token_with(keys, pki)
