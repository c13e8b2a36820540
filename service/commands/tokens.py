"""API bearer tokens: issued to a user, shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import audit
from service.errors import Invalid, NotFound
from service.models import ApiToken, User
from service.timeutil import utcnow

PREFIX = "vt_"
# Writing last_used_at on every call would make each read a write; once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue(db: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the plain text is returned here and never stored."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name or len(name) > 100:
        raise Invalid({"name": "Đặt tên cho khóa (1–100 ký tự), ví dụ nơi dùng nó"})
    if not user.active:
        raise Invalid({"user": "Tài khoản đã bị khóa"})
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(plain))
    db.add(token)
    db.flush()
    audit.record(db, "token.create", "token", token.id, f"{user.username}: {name}")
    return token, plain


def find(db: Session, presented: str) -> ApiToken | None:
    """The live token of an active user that `presented` is, or None (reads only)."""
    if not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(presented)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def stale(token: ApiToken) -> bool:
    """Whether its last use is old enough to be written again."""
    return token.last_used_at is None or utcnow() - token.last_used_at > TOUCH_EVERY


def touch(db: Session, token_id: int) -> None:
    db.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


def tokens_of(db: Session, user: User | None = None) -> list[ApiToken]:
    """A user's tokens (everyone's if `user` is None), newest first."""
    stmt = select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(db.scalars(stmt))


def get_token(db: Session, token_id: int, owner: User | None = None) -> ApiToken:
    """The token, if it exists and (when `owner` is given) belongs to that user."""
    token = db.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise NotFound("khóa API", token_id)
    return token


def revoke(db: Session, token: ApiToken) -> None:
    """Revoked at once for every process: the next call with it answers 401."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(db, "token.revoke", "token", token.id, f"{token.user.username}: {token.name}")
