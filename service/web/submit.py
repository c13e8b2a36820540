"""A submitted form runs its use case: every form of the UI goes through `run_form`, which shows
the form again on a refusal, or `run_form_or_refuse`, for buttons whose refusal is flashed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from service.commands.caller import Caller
from service.database import transaction
from service.errors import Invalid
from service.identity import caller
from service.web.forms import Form

P = ParamSpec("P")
T = TypeVar("T")


def run_form_or_refuse(
    form: Form,
    command: Callable[Concatenate[Session, Caller, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """The command's result for the signed-in user, in a transaction of its own; for a form with
    no page to show again, a refusal (the form's or the command's) is raised as `Invalid`."""
    if form.errors:
        raise Invalid(form.errors)
    with transaction() as db:
        return command(db, caller(), *args, **kwargs)


def run_form(
    form: Form,
    command: Callable[Concatenate[Session, Caller, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T | None:
    """The command's result for the signed-in user, in a transaction of its own; None (and
    nothing written) when the form or the command refused a field, each message on the form."""
    try:
        return run_form_or_refuse(form, command, *args, **kwargs)
    except Invalid as error:
        form.errors.update(error.fields)
        return None
