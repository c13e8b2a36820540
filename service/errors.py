"""Domain errors that the API turns into 404, 409 and 422 answers."""

from __future__ import annotations


class NotFound(LookupError):
    """An id that names nothing (answers 404)."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"Không tìm thấy {what} #{ident}")


class Conflict(Exception):
    """A request that the current state refuses (answers 409), with what is missing."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class Invalid(ValueError):
    """Input that fails a domain rule (answers 422), with a message per field."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
