"""What a signing worker holds, built once from the configuration: keys, images, roots, clock.

The signing folder (`Config.signing_dir`) has `keys/` (PKCS#12 files, when no PKCS#11 token is
configured), `images/` (`<key label>.png`: a signer's scanned signature, the agency's seal) and
`roots/` (the trusted root certificates, PEM). `vanthu run` fills it with a demo CA on the
embedded default; production puts the agency's own there, or points at its HSM.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from pyhanko.sign.signers import Signer
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import ValidationContext

from service.config import Config
from service.signing import SigningError
from service.signing.keys import KeySource, close_signer, signer_for
from service.signing.pdf import timestamper_for
from service.signing.pki import DemoPki
from service.signing.validation import validation_context_for


def read_roots(folder: Path) -> tuple[bytes, ...]:
    """The trusted root certificates: every `*.pem` in `folder` (none if it does not exist)."""
    return tuple(path.read_bytes() for path in sorted(folder.glob("*.pem")))


@dataclass(frozen=True)
class Toolkit:
    keys: KeySource
    images: Path
    roots: tuple[bytes, ...]
    timestamper: TimeStamper | None
    zone: ZoneInfo

    @classmethod
    def from_config(cls, config: Config) -> Toolkit:
        folder = config.signing_dir
        if config.pkcs11_module:
            keys = KeySource(
                kind="pkcs11",
                module=config.pkcs11_module,
                token_label=config.pkcs11_token,
                pin=config.pkcs11_pin,
            )
        else:
            passphrase = config.pkcs12_passphrase or DemoPki.passphrase
            keys = KeySource(kind="pkcs12", folder=folder / "keys", passphrase=passphrase)
        roots = read_roots(folder / "roots")
        # Without a TSA URL, the demo CA's own timestamping key answers (the embedded default).
        local = not config.tsa_url and (folder / "root.pem").exists()
        demo = DemoPki.ensure(folder, "", [], "") if local else None
        return cls(
            keys=keys,
            images=folder / "images",
            roots=roots,
            timestamper=timestamper_for(config.tsa_url or None, demo),
            zone=ZoneInfo(config.timezone),
        )

    @contextmanager
    def signer(self, key: str, pin: str | None = None) -> Iterator[Signer]:
        """The key labelled `key`, open for one signing (with the signer's `pin`, else the
        configured one): a token session is closed after it, so the next one logs in afresh
        (and a restarted HSM costs nothing)."""
        opened = signer_for(self.keys, key, pin)
        try:
            yield opened
        finally:
            close_signer(opened)

    def image(self, key: str) -> bytes:
        path = self.images / f"{key}.png"
        if not path.is_file():
            raise SigningError(f"Chưa có ảnh chữ ký/con dấu cho khóa {key} ({path})")
        return path.read_bytes()

    def validation_context(self) -> ValidationContext:
        """Trust in the configured roots; revocation data fetched where it can be (B-LT)."""
        return validation_context_for(self.roots, allow_fetching=True)
