"""Where signing keys live: PKCS#12 files or a PKCS#11 token (HSM; SoftHSM2 in tests)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import pkcs11
from pkcs11 import exceptions as p11_errors
from pyhanko.sign import signers
from pyhanko.sign.pkcs11 import PKCS11Signer, TokenCriteria, open_pkcs11_session

from service.signing import PinRefused, SigningError


@dataclass(frozen=True)
class KeySource:
    """How to reach the keys: `kind` picks the store, the other fields configure it."""

    kind: Literal["pkcs12", "pkcs11"]
    folder: Path | None = None
    passphrase: str = ""
    module: str = ""
    token_label: str = ""
    pin: str = ""


class KeyStore(Protocol):
    """Hands out a pyHanko signer for a key id."""

    def signer(self, key_id: str, pin: str | None) -> signers.Signer: ...


@dataclass(frozen=True)
class Pkcs12Store:
    """One `<folder>/<key_id>.p12` per key, all with the same passphrase (or a per-call PIN)."""

    source: KeySource

    def signer(self, key_id: str, pin: str | None) -> signers.Signer:
        if self.source.folder is None:
            raise SigningError("Chưa cấu hình thư mục khóa ký số (PKCS#12).")
        path = self.source.folder / f"{key_id}.p12"
        if not path.is_file():
            raise SigningError(f"Không tìm thấy khóa ký số “{key_id}”.")
        passphrase = pin if pin is not None else self.source.passphrase
        try:
            return signers.SimpleSigner.load_pkcs12_data(
                path.read_bytes(), other_certs=(), passphrase=passphrase.encode() or None
            )
        except ValueError as exc:
            raise SigningError(
                f"Không mở được khóa ký số “{key_id}”: sai mật khẩu hoặc tệp hỏng."
            ) from exc


@dataclass(frozen=True)
class Pkcs11Store:
    """Key and certificate on a token, both labelled with the key id; the token's other
    certificates (the CA chain) go into the signature too."""

    source: KeySource

    def signer(self, key_id: str, pin: str | None) -> signers.Signer:
        source = self.source
        try:
            session = open_pkcs11_session(
                source.module,
                token_criteria=TokenCriteria(label=source.token_label or None),
                user_pin=pin if pin is not None else source.pin,
            )
        except p11_errors.PinIncorrect as exc:
            raise PinRefused("Mã PIN của thiết bị ký số không đúng.") from exc
        except p11_errors.PinLocked as exc:
            raise PinRefused("Thiết bị ký số đã bị khóa do nhập sai mã PIN nhiều lần.") from exc
        except (pkcs11.PKCS11Error, OSError, RuntimeError) as exc:
            raise SigningError(
                f"Không kết nối được thiết bị ký số “{source.token_label}”."
            ) from exc
        signer = PKCS11Signer(
            session, cert_label=key_id, key_label=key_id, other_certs_to_pull=None
        )
        try:
            asyncio.run(signer.ensure_objects_loaded())
        except (pkcs11.PKCS11Error, LookupError) as exc:
            session.close()
            raise SigningError(
                f"Không tìm thấy khóa ký số “{key_id}” trên thiết bị “{source.token_label}”."
            ) from exc
        return signer


def store_for(source: KeySource) -> KeyStore:
    """The store behind a key source."""
    return Pkcs11Store(source) if source.kind == "pkcs11" else Pkcs12Store(source)


def signer_for(source: KeySource, key_id: str, pin: str | None = None) -> signers.Signer:
    """A signer for `key_id`; a PKCS#11 signer keeps its token session open
    (close it with `close_signer`)."""
    return store_for(source).signer(key_id, pin)


def close_signer(signer: signers.Signer) -> None:
    """Release a token session, if the signer has one."""
    if isinstance(signer, PKCS11Signer):
        signer.pkcs11_session.close()
