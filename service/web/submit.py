"""A submitted form runs its use case: every form of the UI goes through `run_form`, which shows
the form again on a refusal, or `run_form_or_refuse`, for buttons whose refusal is flashed.

An edit form carries the version of the record it was shown with (`Form.version`); a save based
on an older one is shown again with what was typed, the changed fields marked, and a flash saying
who changed what: nothing typed is lost, and nothing saved by the other is erased."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from flask import flash
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from service.commands.caller import Caller
from service.database import transaction
from service.errors import RACED, Invalid, Stale
from service.identity import caller
from service.web.forms import Form

CHANGED = "Mục này đã được lưu ở nơi khác sau khi bạn mở trang: hãy xem lại trước khi lưu"
KEPT = "Nội dung bạn nhập vẫn được giữ bên dưới: xem lại các mục được đánh dấu rồi lưu lại."

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
    nothing written) when the form or the command refused a field, each message on the form, or
    when the record changed since the form was shown."""
    try:
        return run_form_or_refuse(form, command, *args, **kwargs)
    except Invalid as error:
        form.errors.update(error.fields)
    except Stale as error:
        form.stale = error
        for name in error.changed:
            form.fail(name, CHANGED)
        flash(f"{error} {KEPT}", "error")
    except StaleDataError:  # another save of the same record committed in between
        flash(f"{RACED}. {KEPT}", "error")
    return None
