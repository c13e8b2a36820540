"""The field checks every use case that stores text runs, so that the API, the UI, the CLI and the
seed refuse alike (422, a message per field) and the database never answers with an error:
text no longer than its column, names and titles without invisible characters, one valid
e-mail address, dates and years the registers can number."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, inspect

from service.errors import Invalid
from workflows import limits, routing, text


def problems(
    model: type[Any],
    data: Mapping[str, Any],
    *,
    names: Iterable[str] = (),
    emails: Iterable[str] = (),
) -> dict[str, str]:
    """Per-field messages for `data` about to be stored in `model`: texts longer than their
    column, `names` (texts, lists of texts or of rows of them, as documents print them) holding
    characters documents cannot carry, `emails` that are not one valid address (empty ones are
    allowed: the column says whether they are needed)."""
    errors: dict[str, str] = {}
    columns = inspect(model).columns
    for key, value in data.items():
        column = columns.get(key)
        if isinstance(value, str) and column is not None and isinstance(column.type, String):
            problem = column.type.length and limits.length_problem(value, column.type.length)
            if problem:
                errors[key] = problem
    for key in names:
        for field, problem in _printing_problems(key, data.get(key)):
            errors.setdefault(field, problem)
    for key in emails:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            problem = routing.address_problem(value)
            if problem:
                errors.setdefault(key, problem)
    return errors


def _printing_problems(field: str, value: Any) -> Iterable[tuple[str, str]]:
    """(field, message) for each text in `value` a document cannot print: a list's items are
    the list's field, a row's fields are `<field>.<n>.<name>`, as forms name them."""
    if isinstance(value, str):
        problem = text.printing_problem(value)
        if problem:
            yield field, problem
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _printing_problems(f"{field}.{i}" if isinstance(item, dict) else field, item)
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _printing_problems(f"{field}.{name}", item)


def checked(
    model: type[Any],
    data: Mapping[str, Any],
    *,
    names: Iterable[str] = (),
    emails: Iterable[str] = (),
) -> dict[str, Any]:
    """`data` once `problems` finds none (else Invalid), with its e-mail addresses trimmed."""
    emails = tuple(emails)
    errors = problems(model, data, names=names, emails=emails)
    if errors:
        raise Invalid(errors)
    return {
        key: value.strip() if key in emails and isinstance(value, str) else value
        for key, value in data.items()
    }


def issue_date(day: date | None, today: date, field: str = "issue_date") -> None:
    """Invalid unless `day` (None: today) can date a document and number it in its register."""
    problem = day is not None and limits.issue_date_problem(day, today)
    if problem:
        raise Invalid({field: problem})


def moments(values: Mapping[str, datetime | None], now: datetime) -> dict[str, str]:
    """Per-field messages for visit times outside the window a visit can be in."""
    return {
        key: problem
        for key, value in values.items()
        if value is not None and (problem := limits.moment_problem(value, now))
    }
