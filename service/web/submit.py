"""A submitted form runs its use case: every form of the UI goes through `run_form`."""

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


def run_form(
    form: Form,
    command: Callable[Concatenate[Session, Caller, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T | None:
    """The command's result for the signed-in user, in a transaction of its own; None (and
    nothing written) when the form or the command refused a field, each message on the form."""
    if form.errors:
        return None
    try:
        with transaction() as db:
            return command(db, caller(), *args, **kwargs)
    except Invalid as error:
        form.errors.update(error.fields)
        return None
