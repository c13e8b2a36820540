"""Where e-mail goes: an SMTP server (`VANTHU_SMTP_URL`) or, by default, `.eml` files.

Failures are sorted the way SMTP sorts them: 4xx answers, refused or dropped connections and
timeouts are temporary (try again later); 5xx answers are permanent and keep the server's words.
"""

from __future__ import annotations

import ipaddress
import re
import smtplib
import ssl
from contextlib import suppress
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from service.config import Config
from service.files import write_atomically
from service.mail.compose import wire_bytes

TIMEOUT = 30.0


class TemporaryFailure(Exception):
    """The message may go through later: 4xx, connection refused, timeout."""


class PermanentFailure(Exception):
    """The server refused for good (5xx); the message is the server's answer."""


class Transport(Protocol):
    def send(self, message: EmailMessage, sender: str, recipient: str) -> None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class SmtpSettings:
    """`smtp://user:pw@host:587` (STARTTLS when offered) or `smtps://…` (TLS from the start)."""

    host: str
    port: int
    implicit_tls: bool
    username: str = ""
    password: str = ""

    @classmethod
    def parse(cls, url: str) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("VANTHU_SMTP_URL phải có dạng smtp://máy:cổng hoặc smtps://máy:cổng")
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 587),
            implicit_tls=implicit,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        with suppress(ValueError):
            return ipaddress.ip_address(self.host).is_loopback
        return False


def _answer(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"


def _classified(code: int, text: bytes | str) -> Exception:
    answer = _answer(code, text)
    if 500 <= code < 600:
        return PermanentFailure(f"Máy chủ thư từ chối: {answer}")
    return TemporaryFailure(f"Máy chủ thư tạm thời không nhận: {answer}")


class SmtpTransport:
    """One connection per message: simple, and nothing half-open survives a killed worker."""

    def __init__(self, settings: SmtpSettings, timeout: float = TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout

    def describe(self) -> str:
        scheme = "smtps" if self.settings.implicit_tls else "smtp"
        return f"{scheme}://{self.settings.host}:{self.settings.port}"

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        try:
            client = self._connect()
        except smtplib.SMTPResponseException as error:
            raise _classified(error.smtp_code, error.smtp_error) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(
                f"Không kết nối được máy chủ thư {self.describe()}: {error}"
            ) from error
        try:
            self._login(client)
            client.sendmail(sender, [recipient], wire_bytes(message))
        except smtplib.SMTPRecipientsRefused as error:
            code, text = error.recipients.get(recipient, (450, b"recipient refused"))
            raise _classified(code, text) from error
        except smtplib.SMTPResponseException as error:
            raise _classified(error.smtp_code, error.smtp_error) from error
        except smtplib.SMTPNotSupportedError as error:
            raise PermanentFailure(f"Máy chủ thư không hỗ trợ: {error}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"Mất kết nối máy chủ thư {self.describe()}: {error}") from error
        finally:
            with suppress(smtplib.SMTPException, OSError):
                client.quit()
            client.close()

    @cached_property
    def _tls(self) -> ssl.SSLContext:
        """Built once and only for TLS: loading the system's certificates takes a while."""
        return ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=self.timeout, context=self._tls
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=self.timeout)
        client.ehlo()
        if not settings.implicit_tls and client.has_extn("starttls"):
            client.starttls(context=self._tls)
            client.ehlo()
        return client

    def _login(self, client: smtplib.SMTP) -> None:
        settings = self.settings
        if not settings.username:
            return
        encrypted = isinstance(getattr(client, "sock", None), ssl.SSLSocket)
        if not encrypted and not settings.is_loopback:
            raise PermanentFailure(
                f"Máy chủ thư {self.describe()} không hỗ trợ STARTTLS: "
                "không gửi mật khẩu qua kết nối không mã hóa"
            )
        try:
            client.login(settings.username, settings.password)
        except UnicodeEncodeError as error:  # smtplib sends credentials as ASCII only
            raise PermanentFailure("Tên đăng nhập, mật khẩu máy chủ thư phải là ASCII") from error


class OutboxTransport:
    """The embedded default: one `.eml` file per Message-ID, written whole or not at all."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return str(self.folder)

    def path_for(self, message_id: str) -> Path:
        stem = re.sub(r"[^A-Za-z0-9._@-]", "_", message_id.strip("<>"))
        return self.folder / f"{stem}.eml"

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_for(str(message["Message-ID"]))
        write_atomically(target, wire_bytes(message))


def transport_for(config: Config) -> Transport:
    """SMTP when `VANTHU_SMTP_URL` is set, else the outbox folder."""
    if config.smtp_url:
        return SmtpTransport(SmtpSettings.parse(config.smtp_url))
    return OutboxTransport(config.outbox_dir)
