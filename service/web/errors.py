"""Every refusal as a Vietnamese page or message, never a 500 or a JSON body."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from service.auth import Forbidden
from service.database import DATA_ERROR, error_summary
from service.errors import DISK_FULL, RACED, Conflict, Invalid, NotFound, disk_full
from service.web.blueprint import web

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ",
    403: "Bạn không có quyền truy cập trang này",
    404: "Không tìm thấy trang",
    405: "Thao tác không được hỗ trợ",
    413: "Tệp gửi lên quá lớn",
}


def back(default: str | None = None) -> Response:
    """Redirect (303) to the page the form came from, when it is on this site."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    same_site = parts.netloc == request.host and parts.path.startswith("/")
    target = referrer if same_site else (default or url_for("web.campaigns"))
    return redirect(target, 303)


def error_page(status: int, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, message=message), status


@web.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    return error_page(404, str(error))


@web.errorhandler(Forbidden)
def forbidden(error: Forbidden) -> tuple[str, int]:
    return error_page(403, str(error))


@web.errorhandler(Conflict)
def conflict(error: Conflict) -> Response:
    for problem in error.problems:
        flash(problem, "error")
    return back()


@web.errorhandler(Invalid)
def invalid(error: Invalid) -> Response:
    for message in error.fields.values():
        flash(message, "error")
    return back()


@web.errorhandler(CSRFError)
def csrf_failed(_error: CSRFError) -> Response:
    flash("Biểu mẫu đã hết hạn hoặc không hợp lệ, vui lòng thực hiện lại", "error")
    return back()


@web.errorhandler(IntegrityError)
def integrity(error: IntegrityError) -> Response:
    log.warning("integrity error: %s", error_summary(error))
    flash("Xung đột dữ liệu: bản ghi đã tồn tại hoặc đang được người khác thay đổi", "error")
    return back()


@web.errorhandler(StaleDataError)
def raced(_error: StaleDataError) -> Response:
    flash(RACED, "error")
    return back()


@web.errorhandler(DataError)
def data_error(error: DataError) -> Response:
    log.error("data error: %s", error_summary(error))
    flash(DATA_ERROR, "error")
    return back()


@web.errorhandler(OSError)
def storage(error: OSError) -> tuple[str, int]:
    if disk_full(error):
        log.error("disk full: %s", error)
        return error_page(503, DISK_FULL)
    return unexpected(error)


@web.errorhandler(OperationalError)
def unavailable(error: OperationalError) -> tuple[str, int]:
    if disk_full(error):
        log.error("disk full: %s", error_summary(error))
        return error_page(503, DISK_FULL)
    log.error("database unavailable: %s", error_summary(error))
    return error_page(503, "Cơ sở dữ liệu tạm thời không sẵn sàng, vui lòng thử lại")


@web.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    return error_page(status, HTTP_MESSAGES.get(status, error.name))


@web.errorhandler(Exception)
def unexpected(error: Exception) -> tuple[str, int]:
    log.exception("unexpected error in the web UI", exc_info=error)
    return error_page(500, "Đã xảy ra lỗi ngoài dự kiến; thao tác chưa được thực hiện")
