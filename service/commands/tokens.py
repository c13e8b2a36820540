"""API bearer tokens: issued to a user, shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import audit
from service.commands import checks
from service.commands.caller import Caller
from service.errors import Invalid, NotFound
from service.models import ApiToken, User
from service.timeutil import utcnow

PREFIX = "vt_"
# Writing last_used_at on every call would make each read a write; once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue(db: Session, caller: Caller, name: str, user: User | None = None) -> tuple[ApiToken, str]:
    """A new token for the caller (or, for who manages accounts, `user`); the plain text is
    returned here and never stored."""
    caller.require("token.own")
    if user is not None and (caller.user is None or user.id != caller.user.id):
        caller.require("user.manage")
    user = user or caller.user
    if user is None:
        raise Invalid({"user": "Chọn tài khoản nhận khóa"})
    name = unicodedata.normalize("NFC", name.strip())
    if not name or len(name) > 100:
        raise Invalid({"name": "Đặt tên cho khóa (1–100 ký tự), ví dụ nơi dùng nó"})
    checks.checked(ApiToken, {"name": name}, names=("name",))
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


def visible_tokens(db: Session, caller: Caller) -> list[ApiToken]:
    """The caller's own tokens, or everyone's for who manages accounts."""
    return tokens_of(db, None if caller.can("user.manage") else caller.user)


def revoke(db: Session, caller: Caller, token_id: int) -> ApiToken:
    """Revoked at once for every process: the next call with it answers 401. Someone else's
    token is not found, unless the caller manages accounts."""
    caller.require("token.own")
    token = db.get(ApiToken, token_id)
    own = caller.user is not None and token is not None and token.user_id == caller.user.id
    if token is None or not (own or caller.can("user.manage")):
        raise NotFound("khóa API", token_id)
    if token.revoked_at is None:
        _revoke(db, token, caller.name)
    return token


def revoke_all(db: Session, actor: str, user: User) -> int:
    """Revoke every live token of `user` (after a new password); how many there were."""
    live = db.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in live:
        _revoke(db, token, actor)
    return len(live)


def _revoke(db: Session, token: ApiToken, actor: str) -> None:
    token.revoked_at = utcnow()
    detail = f"{token.user.username}: {token.name}"
    audit.record(db, "token.revoke", "token", token.id, detail, actor=actor)
