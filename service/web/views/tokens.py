"""API tokens from the UI: each user issues and revokes their own; an administrator sees all."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.commands import tokens
from service.database import session as db_session
from service.identity import caller, can, require
from service.web.blueprint import web
from service.web.forms import Form
from service.web.submit import run_form, run_form_or_refuse


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
    form = Form(request.form)
    name = form.data.get("name", "")
    issued = run_form(form, tokens.issue, name)
    if issued is None:
        return _page(name, form.errors, status=422)
    _token, plain = issued
    return _page("", {}, plain, 201)


@web.post("/account/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int) -> Response:
    token = run_form_or_refuse(Form(request.form), tokens.revoke, token_id)
    flash(f"Đã thu hồi khóa “{token.name}”", "success")
    return redirect(url_for("web.token_list"), 303)
