"""Signing in and out, one's own password, and the administrator's account list."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from service.commands import users
from service.database import session as db_session
from service.database import transaction
from service.errors import Invalid, TooManyAttempts
from service.identity import caller, require, sign_in, sign_out
from service.models import Organisation, User
from service.web.blueprint import web
from service.web.formatting import vietnamese_key
from service.web.forms import Form
from service.web.session import safe_next
from workflows.vocabulary import OrganisationKind, Role


@web.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next_url=next_url, username="")
    form = Form(request.form)
    username = form.text("username", required=True, max_length=100)
    password = request.form.get("password", "")
    user = None
    if not form.errors and password:
        try:
            with transaction() as db:
                user = users.authenticate(db, username, password, request.remote_addr or "")
        except TooManyAttempts as error:
            flash(str(error), "error")
            page = render_template("login.html", next_url=next_url, username=username)
            return page, 429, {"Retry-After": str(error.retry_after)}
    if user is None:
        flash("Tên đăng nhập hoặc mật khẩu không đúng (hoặc tài khoản đã bị khóa)", "error")
        return render_template("login.html", next_url=next_url, username=username), 401
    sign_in(user)
    flash(f"Xin chào {user.full_name or user.username}", "success")
    return redirect(next_url, 303)


@web.post("/logout")
def logout() -> Response:
    sign_out()
    flash("Đã đăng xuất", "success")
    return redirect(url_for("web.login"), 303)


@web.route("/account/password", methods=["GET", "POST"])
def change_password() -> str | Response | tuple[str, int]:
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            with transaction() as db:
                user = users.change_password(
                    db,
                    caller(),
                    form.get("password", ""),
                    form.get("new_password", ""),
                    form.get("confirm", ""),
                )
        except Invalid as error:
            errors = error.fields
        if not errors:
            sign_in(users.get_user(db_session(), user.id))
            flash("Đã đổi mật khẩu", "success")
            return redirect(url_for("web.campaigns"), 303)
        return render_template("password.html", errors=errors), 422
    return render_template("password.html", errors=errors)


def _district_offices() -> list[Organisation]:
    rows = (
        db_session()
        .scalars(select(Organisation).where(Organisation.kind == OrganisationKind.DISTRICT_OFFICE))
        .all()
    )
    return sorted(rows, key=lambda o: vietnamese_key(o.district or o.name))


def _users_page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    rows = db_session().scalars(select(User)).all()
    return (
        render_template(
            "users.html",
            users=sorted(rows, key=lambda u: vietnamese_key(u.full_name or u.username)),
            offices=[(o.id, o.name) for o in _district_offices()],
            values=values,
            errors=errors,
        ),
        status,
    )


@web.get("/users")
def user_list() -> Any:
    require("user.manage")
    return _users_page({"role": Role.STAFF}, {})


@web.post("/users")
def user_create() -> Any:
    require("user.manage")  # the answer may show the account list again
    form = Form(request.form)
    username, full_name = form.text("username"), form.text("full_name")
    role, organisation_id = form.text("role"), form.integer("organisation_id")
    values = {
        "username": username,
        "full_name": full_name,
        "role": role,
        "organisation_id": organisation_id,
    }
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        form.fail("confirm", "Mật khẩu nhập lại không khớp")
    if not form.errors:
        try:
            with transaction() as db:
                user = users.create(
                    db,
                    caller(),
                    username,
                    full_name,
                    password,
                    role,
                    organisation_id if role == Role.DISTRICT else None,
                )
            flash(f"Đã tạo tài khoản {user.username}", "success")
            return redirect(url_for("web.user_list"), 303)
        except Invalid as error:
            form.errors.update(error.fields)
    return _users_page(values, form.errors, 422)


@web.post("/users/<int:user_id>/active")
def user_active(user_id: int) -> Response:
    active = request.form.get("active") == "1"
    with transaction() as db:
        user = users.set_active(db, caller(), user_id, active)
    flash(f"Đã {'mở khóa' if active else 'khóa'} tài khoản {user.username}", "success")
    return redirect(url_for("web.user_list"), 303)
