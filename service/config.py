"""Settings read from `VANTHU_*` environment variables, one object for web, workers and CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

Number = TypeVar("Number", int, float)


def _env(name: str, default: str) -> str:
    return os.environ.get(f"VANTHU_{name}", default)


def _number(name: str, default: Number, minimum: Number) -> Number:
    """A numeric setting (whole if its default is), refused when the process starts, naming it,
    rather than failing the first job that reads it."""
    raw = _env(name, str(default))
    try:
        value = type(default)(raw)
    except ValueError:
        value = None
    if value is None or not value >= minimum:  # `not >=` also refuses NaN
        whole = "nguyên " if isinstance(default, int) else ""
        raise ValueError(
            f"VANTHU_{name} phải là số {whole}từ {minimum} trở lên, không phải {raw!r}"
        )
    return value


@dataclass(frozen=True)
class Config:
    """Everything that differs between the embedded default and production."""

    var_dir: Path = field(default_factory=lambda: Path(_env("VAR_DIR", "var")).resolve())
    database_url: str = ""
    broker_url: str = ""
    secret_key: str = field(default_factory=lambda: _env("SECRET_KEY", "dev-only-secret"))
    smtp_url: str = field(default_factory=lambda: _env("SMTP_URL", ""))
    mail_from: str = field(default_factory=lambda: _env("MAIL_FROM", "vanthu@example.org"))
    soffice: str = field(default_factory=lambda: _env("SOFFICE", "soffice"))
    # Seconds a conversion may take before its LibreOffice is killed and restarted.
    convert_timeout: float = field(default_factory=lambda: _number("CONVERT_TIMEOUT", 60.0, 1.0))
    # Warm LibreOffice instances a worker converts on at once, one document each (workers.pdf);
    # a worker on the convert queue runs at least this many jobs at once.
    pdf_instances: int = field(
        default_factory=lambda: _number("PDF_INSTANCES", os.cpu_count() or 1, 1)
    )
    # Documents an instance converts before it is restarted (LibreOffice's memory grows); 0: never.
    pdf_restart_after: int = field(default_factory=lambda: _number("PDF_RESTART_AFTER", 200, 0))
    lease_seconds: int = field(default_factory=lambda: int(_env("LEASE_SECONDS", "20")))
    sweep_seconds: float = field(default_factory=lambda: float(_env("SWEEP_SECONDS", "5")))
    # How many due jobs of a batched kind (renders) a worker claims at once (service.runner).
    claim_batch: int = field(default_factory=lambda: _number("CLAIM_BATCH", 8, 1))
    reminder_days: int = field(default_factory=lambda: int(_env("REMINDER_DAYS", "3")))
    max_content_length: int = field(
        default_factory=lambda: int(_env("MAX_CONTENT_LENGTH", str(5 * 1024 * 1024)))
    )
    timezone: str = field(default_factory=lambda: _env("TIMEZONE", "Asia/Ho_Chi_Minh"))
    # Digital signatures (service.signing): "on", "off", or "auto": on when the signing folder
    # holds a trust root (`vanthu run` makes a demo CA there on the embedded default).
    signing: str = field(default_factory=lambda: _env("SIGNING", "auto"))
    signing_dir_setting: str = field(default_factory=lambda: _env("SIGNING_DIR", ""))
    tsa_url: str = field(default_factory=lambda: _env("TSA_URL", ""))
    # Server-side keys in a PKCS#11 token (an HSM; SoftHSM2 in tests), else PKCS#12 files in
    # `<signing dir>/keys/`. Keys are labelled `person-<id>` and `seal-<organisation id>`.
    pkcs11_module: str = field(default_factory=lambda: _env("PKCS11_MODULE", ""))
    pkcs11_token: str = field(default_factory=lambda: _env("PKCS11_TOKEN", ""))
    pkcs11_pin: str = field(default_factory=lambda: _env("PKCS11_PIN", ""))
    pkcs12_passphrase: str = field(default_factory=lambda: _env("PKCS12_PASSPHRASE", ""))
    # Whether signed documents still carry their DOCX to the agency's own people and units.
    docx_to_internal: bool = field(
        default_factory=lambda: _env("DOCX_TO_INTERNAL", "1").lower() in ("1", "true", "on")
    )

    def __post_init__(self) -> None:
        # Defaults depend on var_dir, so they are filled in after it is known.
        if not self.database_url:
            url = _env("DATABASE_URL", f"sqlite:///{self.var_dir / 'vanthu.sqlite'}")
            object.__setattr__(self, "database_url", url)
        if not self.broker_url:
            url = _env("BROKER_URL", "filesystem://")
            object.__setattr__(self, "broker_url", url)

    @property
    def is_embedded_broker(self) -> bool:
        return self.broker_url.startswith("filesystem://")

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"

    @property
    def signing_dir(self) -> Path:
        """Keys, images and trust roots: `keys/`, `images/`, `roots/` (see service.signing)."""
        return (
            Path(self.signing_dir_setting) if self.signing_dir_setting else self.var_dir / "signing"
        )

    @property
    def signing_on(self) -> bool:
        """Whether issued documents wait for their signatures before they are mailed."""
        if self.signing == "auto":
            return any((self.signing_dir / "roots").glob("*.pem"))
        return self.signing == "on"
