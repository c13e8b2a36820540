"""A signer's PIN on its way from the page to the sign job: encrypted with the deployment's
secret key while it sits on the job's row, readable for a short time only, and erased by the
job when it ends. The token needs it; the database never holds it in the clear."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from service.signing import PinRefused

PIN_SECONDS = 600  # a PIN not used within ten minutes is asked again
EXPIRED = "Mã PIN đã hết hạn sử dụng (quá 10 phút); vui lòng ký lại và nhập mã PIN"


def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(f"vanthu-signing-pin:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(pin: str, secret: str) -> str:
    """The PIN as the job's row may hold it; "" for no PIN (the configured one is used)."""
    return _fernet(secret).encrypt(pin.encode()).decode() if pin else ""


def unseal(sealed: str, secret: str) -> str:
    """The PIN, or PinRefused once it has lapsed (or was sealed with another secret)."""
    try:
        return _fernet(secret).decrypt(sealed.encode(), ttl=PIN_SECONDS).decode()
    except InvalidToken as error:
        raise PinRefused(EXPIRED) from error
