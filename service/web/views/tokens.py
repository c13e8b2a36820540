"""API tokens from the UI: each user issues and revokes their own; an administrator sees all."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.commands import tokens
from service.database import session as db_session
from service.database import transaction
from service.errors import Invalid
from service.identity import caller, can, require
from service.web.blueprint import web


def _page(name: str, errors: dict[str, str], plain: str = "", status: int = 200) -> Any:
    everyone = can("user.manage")
    rows = tokens.visible_tokens(db_session(), caller())
    page = render_template(
        "tokens.html", tokens=rows, everyone=everyone, name=name, errors=errors, plain=plain
    )
    return page, status


@web.get("/account/tokens")
def token_list() -> Any:
    require("token.own")
    return _page("", {})


@web.post("/account/tokens")
def token_create() -> Any:
    """The new token is shown once, on this answer; only its digest is kept."""
    name = request.form.get("name", "")
    try:
        with transaction() as db:
            _token, plain = tokens.issue(db, caller(), name)
    except Invalid as error:
        return _page(name, error.fields, status=422)
    return _page("", {}, plain, 201)


@web.post("/account/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int) -> Response:
    with transaction() as db:
        token = tokens.revoke(db, caller(), token_id)
        flash(f"Đã thu hồi khóa “{token.name}”", "success")
    return redirect(url_for("web.token_list"), 303)
