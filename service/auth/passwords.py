"""Password hashing (werkzeug's scrypt) and the password policy."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8

# Checked when the username is unknown, so that a miss costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("vanthu-dummy-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; an absent hash still does the work, then fails."""
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)


def password_problem(password: str) -> str | None:
    """Why `password` is refused, in Vietnamese, or None."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự"
    if password.strip() != password:
        return "Mật khẩu không được bắt đầu hay kết thúc bằng khoảng trắng"
    return None
