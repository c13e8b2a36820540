"""Signing fixtures for any test: a demo PKI, its trust services on a live port, a SoftHSM token."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

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


@pytest.fixture(scope="session", name="softhsm")
def softhsm_fixture(
    live_pki: LivePki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KeySource]:
    """A SoftHSM2 token holding every demo key and certificate (labelled by key id) and the root."""
    available = bool(shutil.which("softhsm2-util") and shutil.which("pkcs11-tool"))
    need(available and Path(SOFTHSM_MODULE).exists(), "softhsm2 and opensc are not installed")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    env = dict(os.environ)
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
        env=env,
    )
    pki = live_pki.pki
    login = (
        "pkcs11-tool",
        "--module",
        SOFTHSM_MODULE,
        "--token-label",
        TOKEN_LABEL,
        "--login",
        "--pin",
        TOKEN_PIN,
    )
    for number, person in enumerate(PEOPLE, start=1):
        key, cert, _ = pkcs12.load_key_and_certificates(
            pki.key_path(person.key_id).read_bytes(), DemoPki.passphrase.encode()
        )
        assert key is not None and cert is not None
        key_file, cert_file = folder / f"{person.key_id}.key", folder / f"{person.key_id}.crt"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        for kind, path in (("privkey", key_file), ("cert", cert_file)):
            _tool(
                *login,
                "--write-object",
                str(path),
                "--type",
                kind,
                "--label",
                person.key_id,
                "--id",
                f"{number:02x}",
                env=env,
            )
    root = folder / "root.crt"
    root.write_bytes(pki.root_cert.public_bytes(serialization.Encoding.DER))
    _tool(
        *login,
        "--write-object",
        str(root),
        "--type",
        "cert",
        "--label",
        "root",
        "--id",
        "ff",
        env=env,
    )
    yield KeySource("pkcs11", module=SOFTHSM_MODULE, token_label=TOKEN_LABEL, pin=TOKEN_PIN)
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous
