"""Bearer tokens for the API: shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Invalid, NotFound
from service.models import ApiToken, User
from service.timeutil import utcnow

PREFIX = "vt_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(db: Session, user: User, name: str = "") -> str:
    """A new token for `user`; only its digest is kept, so this is the one chance to see it."""
    if not user.active:
        raise Invalid({"user": "Tài khoản đã bị khóa"})
    token = PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token)))
    db.flush()
    return token


def user_for(db: Session, token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    row = db.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user


def revoke(db: Session, token_id: int) -> ApiToken:
    row = db.get(ApiToken, token_id)
    if row is None:
        raise NotFound("mã truy cập", token_id)
    row.revoked_at = row.revoked_at or utcnow()
    db.flush()
    return row
