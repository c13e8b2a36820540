"""Digital signatures (ký số): demo PKI, keys, appearances, PAdES signing and validation.

Plain library: no Flask, no database. Errors carry a Vietnamese reason for the user.
"""

from __future__ import annotations


class SigningError(Exception):
    """Signing could not happen; `reason` is shown to the user (Vietnamese)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PinRefused(SigningError):
    """The token refused the PIN (wrong, or the token is locked): trying again with the same
    PIN would only lock it, so this is final for the signing asked."""
