"""Domain errors that the API turns into 404, 409 and 422 answers."""

from __future__ import annotations

import errno


class NotFound(LookupError):
    """An id that names nothing (answers 404)."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"Không tìm thấy {what} #{ident}")


class Conflict(Exception):
    """A request that the current state refuses (answers 409), with what is missing."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class Stale(Conflict):
    """A write based on a version of a record that someone has changed since (answers 409):
    nothing was written; `version` is the record's current one, `changed` what changed since."""

    def __init__(self, problem: str, version: int, changed: list[str]) -> None:
        super().__init__([problem])
        self.version = version
        self.changed = changed


# A write the database refused because another changed the same row meanwhile (no version given,
# or both passed the check at once): nothing was written, and the same request may be sent again.
RACED = "Bản ghi vừa được người khác thay đổi cùng lúc: chưa lưu gì, vui lòng thực hiện lại"


class Invalid(ValueError):
    """Input that fails a domain rule (answers 422), with a message per field."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


class TooManyAttempts(Exception):
    """Too many failed attempts in a short time (answers 429 with Retry-After)."""

    def __init__(self, retry_after: int, what: str = "Đăng nhập") -> None:
        self.retry_after = max(1, retry_after)
        minutes = -(-self.retry_after // 60)
        super().__init__(f"{what} sai quá nhiều lần, vui lòng thử lại sau {minutes} phút")


DISK_FULL = "Ổ đĩa của máy chủ đã đầy: chưa lưu được, vui lòng thử lại sau ít phút"


SQLITE_FULL = 13  # "database or disk is full"
PG_DISK_FULL = "53100"  # PostgreSQL's disk_full


def disk_full(error: BaseException) -> bool:
    """Whether `error` is the disk (or the quota) running out, for a file or for the database
    (SQLAlchemy's error wrapping the driver's): the request is refused whole, and the same
    request succeeds once space is freed."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    driver = getattr(error, "orig", None)
    sqlite_code = getattr(driver, "sqlite_errorcode", 0) & 0xFF  # the primary code
    return sqlite_code == SQLITE_FULL or getattr(driver, "sqlstate", None) == PG_DISK_FULL
