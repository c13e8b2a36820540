"""Accounts: create, sign in, change password, (de)activate; the demo accounts of `vanthu run`."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth import hash_password, password_problem, verify_password
from service.errors import Conflict, Invalid, NotFound
from service.models import AuditEntry, Organisation, User
from service.models.user import ROLES

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,99}$")
DISTRICT_OFFICE = "district_office"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    office_code: str = ""


# One account per role; the district user belongs to the office of thành phố Lạng Sơn.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("quantri", "Quản trị hệ thống", "admin"),
    DemoAccount("chuyenvien", "Vi Thị Hoa", "staff"),
    DemoAccount("lanhdao", "Nguyễn Văn Giang", "leader"),
    DemoAccount("huyen.tpls", "Cán bộ Phòng LĐTBXH thành phố Lạng Sơn", "district", "LĐTBXH-TPLS"),
)


def _audit(db: Session, actor: str, action: str, user: User, detail: str = "") -> None:
    db.add(
        AuditEntry(
            actor=actor or "hệ thống",
            action=action,
            object_type="user",
            object_id=str(user.id),
            detail=detail,
        )
    )


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("tài khoản", user_id)
    return user


def create(
    db: Session,
    username: str,
    full_name: str,
    password: str,
    role: str,
    organisation_id: int | None = None,
    actor: str = "",
) -> User:
    """A new account; a district user must belong to a district labour office."""
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
    if role not in ROLES:
        errors["role"] = f"Vai trò phải là một trong: {', '.join(ROLES)}"
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    if role == "district":
        org = db.get(Organisation, organisation_id) if organisation_id else None
        if org is None or org.kind != DISTRICT_OFFICE:
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
    _audit(db, actor, "user.create", user, f"{username} ({role})")
    return user


def authenticate(db: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same cost whether or not it exists)."""
    user = db.scalar(select(User).where(User.username == username.strip().lower()))
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.active:
        return None
    _audit(db, user.username, "user.sign_in", user)
    return user


def set_password(db: Session, user: User, password: str, actor: str) -> None:
    problem = password_problem(password)
    if problem:
        raise Invalid({"password": problem})
    user.password_hash = hash_password(password)
    _audit(db, actor, "user.password", user)
    db.flush()


def set_active(db: Session, user: User, active: bool, actor: str) -> None:
    """Deactivate (or reactivate) an account; the last active administrator stays."""
    if not active and user.role == "admin":
        admins = db.scalars(select(User.id).where(User.role == "admin", User.active)).all()
        if set(admins) <= {user.id}:
            raise Conflict(["Không thể khóa tài khoản quản trị cuối cùng"])
    user.active = active
    _audit(db, actor, "user.activate" if active else "user.deactivate", user)
    db.flush()


def ensure_demo_accounts(db: Session) -> list[tuple[User, str]]:
    """One account per role with a fresh random password (for the embedded demo only)."""
    result = []
    for spec in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        org_id = None
        if spec.office_code:
            org_id = db.scalar(select(Organisation.id).where(Organisation.code == spec.office_code))
        user = db.scalar(select(User).where(User.username == spec.username))
        if user is None:
            user = create(db, spec.username, spec.full_name, password, spec.role, org_id, "demo")
        else:
            user.role, user.organisation_id, user.active = spec.role, org_id, True
            set_password(db, user, password, "demo")
        result.append((user, password))
    return result
