"""Accounts: create, sign in, change password, (de)activate; the demo accounts of `vanthu run`."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import audit
from service.auth import hash_password, password_problem, verify_password
from service.commands import checks, sessions, tokens
from service.commands.caller import Caller
from service.errors import Conflict, Invalid, NotFound, TooManyAttempts
from service.models import AuditEntry, Organisation, Person, User
from service.timeutil import utcnow
from workflows.vocabulary import OrganisationKind, Role, SessionEnd

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,99}$")

MAX_FAILURES = 5  # per account and address
MAX_FAILURES_PER_ADDRESS = 20  # whatever the accounts tried
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class Attempt:
    """A password check that guesses must not be free on: what its failures are logged as, and
    the success after which earlier failures of the account no longer count."""

    failed: str
    succeeded: str
    what: str  # what the user tried, as the lockout message names it


SIGN_IN = Attempt("user.sign_in_failed", "user.sign_in", "Đăng nhập")
PASSWORD = Attempt("user.password_failed", "user.password", "Nhập mật khẩu hiện tại")
SIGN_IN_FAILED = SIGN_IN.failed
PASSWORD_FAILED = PASSWORD.failed
WRONG_PASSWORD = "Mật khẩu hiện tại không đúng"


@dataclass(frozen=True)
class NewPassword:
    """A changed password and how many API tokens it revoked (the page says so)."""

    user: User
    revoked_tokens: int


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: Role
    office_code: str = ""


# One account per role; the district user belongs to the office of thành phố Lạng Sơn.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("quantri", "Quản trị hệ thống", Role.ADMIN),
    DemoAccount("chuyenvien", "Vi Thị Hoa", Role.STAFF),
    DemoAccount("lanhdao", "Nguyễn Văn Giang", Role.LEADER),
    DemoAccount("vanthu", "Văn thư Sở", Role.CLERK),
    DemoAccount(
        "huyen.tpls", "Cán bộ Phòng LĐTBXH thành phố Lạng Sơn", Role.DISTRICT, "LĐTBXH-TPLS"
    ),
)


def _audit(db: Session, actor: str, action: str, user: User, detail: str = "") -> None:
    audit.record(db, action, "user", user.id, detail, actor=actor)


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("tài khoản", user_id)
    return user


def get_user_by_name(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound("tài khoản", username)
    return user


def create(
    db: Session,
    caller: Caller,
    username: str,
    full_name: str,
    password: str,
    role: str,
    organisation_id: int | None = None,
) -> User:
    """A new account; a district user must belong to a district labour office."""
    caller.require("user.manage")
    username = username.strip().lower()
    full_name = unicodedata.normalize("NFC", full_name.strip())
    errors: dict[str, str] = {}
    if not USERNAME.match(username):
        errors["username"] = (
            "Tên đăng nhập gồm 3–100 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang"
        )
    elif db.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = "Tên đăng nhập đã được dùng"
    if not full_name:
        errors["full_name"] = "Cần nhập họ và tên"
    errors |= checks.problems(User, {"full_name": full_name}, names=("full_name",))
    if role not in Role.values():
        errors["role"] = f"Vai trò phải là một trong: {', '.join(Role.values())}"
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    if role == Role.DISTRICT:
        org = db.get(Organisation, organisation_id) if organisation_id else None
        if org is None or org.kind != OrganisationKind.DISTRICT_OFFICE:
            errors["organisation_id"] = "Chọn phòng Lao động - Thương binh và Xã hội cấp huyện"
    elif organisation_id is not None and db.get(Organisation, organisation_id) is None:
        errors["organisation_id"] = "Không tồn tại"
    if errors:
        raise Invalid(errors)
    user = User(
        username=username,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role,
        organisation_id=organisation_id,
        active=True,
    )
    db.add(user)
    db.flush()
    _audit(db, caller.name, "user.create", user, f"{username} ({role})")
    return user


def _failures_since(db: Session, attempt: Attempt, since: datetime, **match: str) -> list[datetime]:
    stmt = select(AuditEntry.at).where(AuditEntry.action == attempt.failed, AuditEntry.at > since)
    for column, value in match.items():
        stmt = stmt.where(getattr(AuditEntry, column) == value)
    return list(db.scalars(stmt.order_by(AuditEntry.at)))


def check_attempts(db: Session, username: str, source: str, attempt: Attempt = SIGN_IN) -> None:
    """Raise TooManyAttempts while this account, from this address, or this address alone has
    failed `attempt` too often within LOCKOUT (failures before the account's last success of
    it do not count)."""
    now = utcnow()
    window = now - LOCKOUT
    last_success = db.scalar(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.action == attempt.succeeded, AuditEntry.actor == username
        )
    )
    account = _failures_since(
        db, attempt, max(window, last_success or window), object_id=username[:40], detail=source
    )
    address = _failures_since(db, attempt, window, detail=source)
    for failures, limit in ((account, MAX_FAILURES), (address, MAX_FAILURES_PER_ADDRESS)):
        if len(failures) >= limit:
            oldest = failures[-limit]
            seconds = int((oldest + LOCKOUT - now).total_seconds()) + 1
            raise TooManyAttempts(seconds, attempt.what)


def _failed(db: Session, attempt: Attempt, username: str, source: str) -> None:
    audit.record(db, attempt.failed, "user", username, source, actor=username)


def authenticate(db: Session, username: str, password: str, source: str = "") -> User | None:
    """The active user with these credentials, or None (same cost whether or not it exists).

    Failures are logged with the client address `source`; too many of them raise
    TooManyAttempts before the password is even looked at."""
    username = username.strip().lower()
    check_attempts(db, username, source)
    user = db.scalar(select(User).where(User.username == username))
    if (
        not verify_password(user.password_hash if user else None, password)
        or user is None
        or not user.active
    ):
        _failed(db, SIGN_IN, username, source)
        return None
    _audit(db, user.username, SIGN_IN.succeeded, user, source)
    return user


def _set_password(db: Session, actor: str, user: User, password: str) -> int:
    """Set it, end every session of the user and revoke their API tokens: whoever held the old
    password keeps nothing. How many tokens were revoked."""
    problem = password_problem(password)
    if problem:
        raise Invalid({"new_password": problem})
    user.password_hash = hash_password(password)
    _audit(db, actor, PASSWORD.succeeded, user)
    sessions.end_all(db, user, SessionEnd.NEW_PASSWORD)
    revoked = tokens.revoke_all(db, actor, user)
    db.flush()
    return revoked


def change_password(
    db: Session, caller: Caller, current: str, new: str, confirm: str, source: str = ""
) -> NewPassword | None:
    """The caller's own new password, once the current one is proven and the new one repeated.

    A wrong current password is None, not a refusal: its failure is logged (from the client
    address `source`) and must be kept, and too many of them raise TooManyAttempts."""
    user = get_user(db, caller.user.id if caller.user is not None else 0)
    check_attempts(db, user.username, source, PASSWORD)
    if not verify_password(user.password_hash, current):
        _failed(db, PASSWORD, user.username, source)
        return None
    if new != confirm:
        raise Invalid({"confirm": "Mật khẩu nhập lại không khớp"})
    return NewPassword(user, _set_password(db, caller.name, user, new))


def set_active(db: Session, caller: Caller, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) an account; the last active administrator stays."""
    caller.require("user.manage")
    user = get_user(db, user_id)
    if not active and user.role == Role.ADMIN:
        admins = db.scalars(select(User.id).where(User.role == Role.ADMIN, User.active)).all()
        if set(admins) <= {user.id}:
            raise Conflict(["Không thể khóa tài khoản quản trị cuối cùng"])
    user.active = active
    if not active:
        sessions.end_all(db, user, SessionEnd.DEACTIVATED)
    _audit(db, caller.name, "user.activate" if active else "user.deactivate", user)
    db.flush()
    return user


def ensure_demo_accounts(db: Session, caller: Caller) -> list[tuple[User, str]]:
    """One account per role with a fresh random password (for the embedded demo only)."""
    result = []
    for spec in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        org_id = None
        if spec.office_code:
            org_id = db.scalar(select(Organisation.id).where(Organisation.code == spec.office_code))
        user = db.scalar(select(User).where(User.username == spec.username))
        if user is None:
            user = create(db, caller, spec.username, spec.full_name, password, spec.role, org_id)
        else:
            user.role, user.organisation_id, user.active = spec.role, org_id, True
            _set_password(db, caller.name, user, password)
        # The directory's person of the same name: the documents they sign are this account's.
        people = db.scalars(select(Person.id).where(Person.full_name == spec.full_name)).all()
        user.person_id = people[0] if len(people) == 1 else None
        result.append((user, password))
    return result
