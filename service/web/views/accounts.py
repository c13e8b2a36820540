"""Signing in and out, one's own password, and the administrator's account list."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.commands import users
from service.database import session as db_session
from service.database import transaction
from service.errors import TooManyAttempts
from service.identity import require, sign_in, sign_out
from service.queries import directory
from service.web.blueprint import web
from service.web.forms import Form
from service.web.session import safe_next
from service.web.submit import run_form, run_form_or_refuse
from workflows.vocabulary import Role


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
def change_password() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if request.method == "GET":
        return render_template("password.html", errors={})
    form = Form(request.form)
    current, new, confirm = (form.data.get(n, "") for n in ("password", "new_password", "confirm"))
    source = request.remote_addr or ""
    try:
        changed = run_form(form, users.change_password, current, new, confirm, source)
    except TooManyAttempts as error:
        flash(str(error), "error")
        return (
            render_template("password.html", errors={}),
            429,
            {"Retry-After": str(error.retry_after)},
        )
    if changed is None:
        if not form.errors:  # the current password was wrong: logged, not a refused field
            form.fail("password", users.WRONG_PASSWORD)
        return render_template("password.html", errors=form.errors), 422
    sign_in(changed.user)  # every session was ended: this browser gets a new one
    message = "Đã đổi mật khẩu; các phiên đăng nhập khác đã kết thúc"
    if changed.revoked_tokens:
        message += f"; đã thu hồi {changed.revoked_tokens} khóa API của bạn, hãy tạo khóa mới"
    flash(message, "success")
    return redirect(url_for("web.campaigns"), 303)


def _users_page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    db = db_session()
    return (
        render_template(
            "users.html",
            users=directory.users(db),
            offices=[(o.id, o.name) for o in directory.district_offices(db)],
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
    office = organisation_id if role == Role.DISTRICT else None
    user = run_form(form, users.create, username, full_name, password, role, office)
    if user is None:
        return _users_page(values, form.errors, 422)
    flash(f"Đã tạo tài khoản {user.username}", "success")
    return redirect(url_for("web.user_list"), 303)


@web.post("/users/<int:user_id>/active")
def user_active(user_id: int) -> Response:
    form = Form(request.form)
    active = form.data.get("active") == "1"
    user = run_form_or_refuse(form, users.set_active, user_id, active)
    flash(f"Đã {'mở khóa' if active else 'khóa'} tài khoản {user.username}", "success")
    return redirect(url_for("web.user_list"), 303)
