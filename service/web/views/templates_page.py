"""The templates page: per document kind the template in use and its versions, their DOCX, and
an administrator's replacement: checked on upload, previewed as a PDF by a job, then accepted."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.commands import templates as commands
from service.database import session as db_session
from service.documents import catalogue
from service.documents.naming import MIMETYPES
from service.downloads import content_disposition, log_read
from service.errors import NotFound
from service.identity import can, require
from service.web.blueprint import web
from service.web.formatting import job_label
from service.web.forms import REQUIRED, Form
from service.web.submit import run_form, run_form_or_refuse
from workflows.documents import KINDS


def _page(refused: dict[str, Any] | None = None, status: int = 200) -> tuple[str, int]:
    """`refused`: the kind whose upload was refused, its messages and the unknown names."""
    require("template.view")
    kinds = catalogue.overview(db_session())
    page = render_template(
        "templates.html",
        kinds=kinds,
        can_replace=can("template.replace"),
        refused=refused or {},
        job_label=job_label,
        busy=any(k.candidate is not None and k.candidate.busy for k in kinds),
    )
    return page, status


@web.get("/templates")
def templates_page() -> tuple[str, int]:
    return _page()


def _known(kind: str) -> None:
    if kind not in KINDS:
        raise NotFound("loại văn bản", kind)


def _file(content: bytes | None, kind: str, name: str, fmt: str, detail: str) -> Response:
    if content is None:
        raise NotFound(f"tệp {fmt.upper()} của mẫu", kind)
    response = Response(content, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = content_disposition(name, inline=fmt == "pdf")
    response.headers["Cache-Control"] = "private, no-cache"
    log_read("template.download", "template", kind, f"{name} {detail}")
    return response


def _kind_asked() -> str:
    """The kind a download names in its query (`?kind=KH`): files are named by query, so
    that the routes take no parameters of their own besides the format."""
    kind = request.args.get("kind", "")
    _known(kind)
    return kind


@web.get("/templates/file.docx")
def template_version_file() -> Response:
    """One version's DOCX (`?kind=KH&version=2`), the one in use when no version is given."""
    require("template.view")
    kind = _kind_asked()
    db = db_session()
    version = (
        Form(request.args).integer("version", minimum=1) or catalogue.versions(db, kind)[0].version
    )
    content = catalogue.version_file(db, kind, version)
    return _file(content, kind, f"Mẫu {kind} phiên bản {version}.docx", "docx", "")


@web.get("/templates/candidate.<fmt>")
def template_candidate_file(fmt: str) -> Response:
    """The uploaded replacement (DOCX) or its preview (PDF, shown in the page)."""
    require("template.view")
    kind = _kind_asked()
    if fmt not in ("docx", "pdf"):
        raise NotFound("định dạng", fmt)
    content = catalogue.candidate_file(db_session(), kind, fmt)
    name = f"Mẫu {kind} chờ chấp nhận.docx" if fmt == "docx" else f"Xem trước mẫu {kind}.pdf"
    return _file(content, kind, name, fmt, "(chờ chấp nhận)")


@web.post("/templates/<kind>/candidate")
def template_upload(kind: str) -> Response | tuple[str, int]:
    """Check an upload and keep it as the kind's candidate, its preview queued."""
    _known(kind)
    form = Form(request.form)
    upload = request.files.get("file")
    content = upload.read() if upload is not None else b""
    if not content:
        form.fail("file", REQUIRED)
    if run_form(form, commands.propose, kind, content) is None:
        unknown = commands.unknown_names(kind, content) if content else []
        return _page({"kind": kind, "errors": form.errors, "unknown": unknown}, 422)
    flash(f"Mẫu {kind} đã qua kiểm tra; đang dựng bản PDF xem trước", "success")
    return redirect(url_for("web.templates_page", _anchor=f"kind-{kind}"), 303)


@web.post("/templates/<kind>/accept")
def template_accept(kind: str) -> Response:
    _known(kind)
    template = run_form_or_refuse(Form(request.form), commands.accept, kind)
    flash(f"Đã dùng mẫu {kind} phiên bản {template.version}", "success")
    return redirect(url_for("web.templates_page", _anchor=f"kind-{kind}"), 303)


@web.post("/templates/<kind>/discard")
def template_discard(kind: str) -> Response:
    _known(kind)
    run_form_or_refuse(Form(request.form), commands.discard, kind)
    flash(f"Đã bỏ mẫu {kind} chờ chấp nhận", "success")
    return redirect(url_for("web.templates_page", _anchor=f"kind-{kind}"), 303)
