"""Server-side sign-in sessions: the browser holds only a random id, the database decides.

A copied cookie is worth nothing once its row is ended: signing out ends that session, a new
password or a locked account ends every session of the user. Expiry is read from the row, so it
holds whatever the cookie claims.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.commands.tokens import TOUCH_EVERY, digest
from service.models import User, UserSession
from service.timeutil import utcnow
from workflows.vocabulary import SessionEnd

# Idle expiry: a session unused for this long is over (the cookie's own lifetime, too).
IDLE_LIFETIME = timedelta(minutes=int(os.environ.get("VANTHU_SESSION_MINUTES", "480")))
# Absolute expiry: a session is never longer than this, however busy.
ABSOLUTE_LIFETIME = timedelta(hours=12)


def start(db: Session, user: User, user_agent: str = "", address: str = "") -> str:
    """A new session for `user`; the random id returned goes in the cookie and is never stored."""
    plain = secrets.token_urlsafe(32)  # 256 bits
    db.add(
        UserSession(
            id=digest(plain),
            user_id=user.id,
            user_agent=user_agent[:200],
            address=address[:64],
        )
    )
    db.flush()
    return plain


def find(db: Session, presented: str) -> UserSession | None:
    """The live session of an active user that `presented` names, or None (reads only)."""
    if not presented or len(presented) > 200:
        return None
    now = utcnow()
    found = db.scalar(
        select(UserSession).where(
            UserSession.id == digest(presented),
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at > now - IDLE_LIFETIME,
            UserSession.created_at > now - ABSOLUTE_LIFETIME,
        )
    )
    if found is None or not found.user.active:
        return None
    return found


def stale(found: UserSession) -> bool:
    """Whether its last use is old enough to be written again (once a minute, not per request)."""
    return utcnow() - found.last_seen_at > TOUCH_EVERY


def touch(db: Session, session_id: str) -> None:
    db.execute(
        update(UserSession).where(UserSession.id == session_id).values(last_seen_at=utcnow())
    )


def end(db: Session, presented: str, reason: SessionEnd = SessionEnd.SIGNED_OUT) -> None:
    """End the session `presented` names, if it is still open."""
    db.execute(
        update(UserSession)
        .where(UserSession.id == digest(presented), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def end_all(db: Session, user: User, reason: SessionEnd) -> None:
    """End every open session of `user`, wherever it was opened."""
    db.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )
