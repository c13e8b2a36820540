"""The Flask application factory: API, error answers, database and Celery wiring."""

from __future__ import annotations

import logging
from typing import Any

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Flask, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from service import jobs
from service.auth import Forbidden
from service.config import Config
from service.database import DATA_ERROR, error_summary, init_engine, session
from service.errors import DISK_FULL, Conflict, Invalid, NotFound, TooManyAttempts, disk_full
from workflows.limits import MAX_JSON_DEPTH, json_depth

log = logging.getLogger(__name__)

SWAGGER_UI = "/assets/vendor/swagger-ui"  # swagger-ui-dist 5.35.0, from the npm registry


def create_app(config: Config | None = None) -> APIFlask:
    """Build the web application for `config` (settings from the environment by default)."""
    config = config or Config()
    config.var_dir.mkdir(parents=True, exist_ok=True)
    app = APIFlask(
        "vanthu",
        title="Vanthu API",
        version="1.0",
        spec_path="/api/v1/openapi.json",
        docs_path="/api/v1/docs",
    )
    app.config.update(
        VANTHU=config,
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_content_length,
        JSON_AS_ASCII=False,
        VALIDATION_ERROR_DESCRIPTION="Dữ liệu không hợp lệ",
        # The API docs load Swagger UI from the app, not a CDN, so they work offline.
        SWAGGER_UI_CSS=f"{SWAGGER_UI}/swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS=f"{SWAGGER_UI}/swagger-ui-standalone-preset.js",
        DOCS_FAVICON="/assets/favicon.svg",
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    init_engine(config.database_url)

    from service.api import api
    from service.api.converters import IdConverter
    from service.api.signing import tool as signing_tool
    from service.api.spec import add_common_errors
    from service.broker import (
        DEFAULT_PRIORITY,
        URGENT_PRIORITY,
        celery_init_app,
        task_limits,
    )
    from service.health import health
    from service.identity import SESSION_SETTINGS, csrf
    from service.pki import pki
    from service.web import web

    app.config.update(SESSION_SETTINGS)
    app.url_map.converters["int"] = IdConverter
    app.register_blueprint(api)
    app.register_blueprint(signing_tool)
    app.register_blueprint(health)
    app.register_blueprint(pki)
    app.spec_processor(add_common_errors)
    app.register_blueprint(web)
    csrf.init_app(app)
    csrf.exempt(api)  # the API authenticates with bearer tokens, not cookies
    csrf.exempt(signing_tool)  # nor a signer's tool, whose one-time link is its credential
    _register_errors(app)
    app.before_request(_refuse_deep_json)
    celery = celery_init_app(app)
    jobs.set_doorbell(
        lambda job_id, queue, delay, urgent: celery.send_task(
            "vanthu.run_job",
            args=[job_id],
            queue=queue,
            countdown=delay or None,
            priority=URGENT_PRIORITY if urgent else DEFAULT_PRIORITY,
            retry=False,
            **task_limits(queue),
        )
    )
    app.teardown_appcontext(lambda _exc: session.remove())

    return app


def _refuse_deep_json() -> tuple[dict[str, Any], int] | None:
    """A JSON body nested deeper than any request needs is refused before a parser recurses
    into it (Python's `json` raises RecursionError, a 500, at a few thousand levels)."""
    if request.is_json and json_depth(request.get_data(as_text=True)) > MAX_JSON_DEPTH:
        return {"message": f"Dữ liệu JSON lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} cấp)"}, 400
    return None


def _register_errors(app: Flask) -> None:
    def problem(status: int, message: str, **extra: Any) -> tuple[dict[str, Any], int]:
        return {"message": message, **extra}, status

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> tuple[dict[str, Any], int]:
        return problem(404, str(error))

    @app.errorhandler(Forbidden)
    def forbidden(error: Forbidden) -> tuple[dict[str, Any], int]:
        return problem(403, str(error))

    @app.errorhandler(TooManyAttempts)
    def too_many(error: TooManyAttempts) -> tuple[dict[str, Any], int, dict[str, str]]:
        return {"message": str(error)}, 429, {"Retry-After": str(error.retry_after)}

    @app.errorhandler(Conflict)
    def conflict(error: Conflict) -> tuple[dict[str, Any], int]:
        return problem(409, str(error), problems=error.problems)

    @app.errorhandler(Invalid)
    def invalid(error: Invalid) -> tuple[dict[str, Any], int]:
        detail = {"json": {field: [message] for field, message in error.fields.items()}}
        return problem(422, "Dữ liệu không hợp lệ", detail=detail)

    @app.errorhandler(IntegrityError)
    def integrity(error: IntegrityError) -> tuple[dict[str, Any], int]:
        log.warning("integrity error: %s", error_summary(error))
        return problem(409, "Xung đột dữ liệu: bản ghi đã tồn tại hoặc đang được thay đổi")

    @app.errorhandler(DataError)
    def data_error(error: DataError) -> tuple[dict[str, Any], int]:
        # A value a column cannot hold that no command checked: refused, logged without it.
        log.error("data error: %s", error_summary(error))
        return problem(422, DATA_ERROR)

    @app.errorhandler(OSError)
    def storage(error: OSError) -> tuple[dict[str, Any], int]:
        if disk_full(error):
            log.error("disk full: %s", error)
            return problem(503, DISK_FULL)
        log.exception("unexpected error", exc_info=error)
        return problem(500, "Đã xảy ra lỗi ngoài dự kiến; thao tác chưa được thực hiện")

    @app.errorhandler(OperationalError)
    def unavailable(error: OperationalError) -> tuple[dict[str, Any], int]:
        if disk_full(error):
            log.error("disk full: %s", error_summary(error))
            return problem(503, DISK_FULL)
        log.error("database unavailable: %s", error_summary(error))
        return problem(503, "Cơ sở dữ liệu tạm thời không sẵn sàng, vui lòng thử lại")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
        # Keep the exception's own headers (Allow on 405, Retry-After on 503…).
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return {"message": error.description or error.name}, error.code or 500, headers

    @app.errorhandler(HTTPError)
    def api_error(error: HTTPError) -> tuple[dict[str, Any], int]:
        return problem(error.status_code, error.message or "", detail=error.detail)
