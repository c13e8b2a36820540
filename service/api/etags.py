"""Versions over HTTP: a record's version is its ETag, and a change sent with `If-Match` based on
an older one answers 409 with what changed and the current version, nothing written."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import after_this_request
from flask.wrappers import Response
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.http import quote_etag

from service.api import api
from service.errors import RACED, Stale

T = TypeVar("T")


def tagged(version: int, body: T) -> T:
    """`body`, answered with the record's `version` as its (strong) ETag."""

    @after_this_request
    def _tag(response: Response) -> Response:
        response.set_etag(str(version))
        return response

    return body


@api.errorhandler(Stale)
def stale(error: Stale) -> tuple[dict[str, Any], int, dict[str, str]]:
    body = {
        "message": str(error),
        "problems": error.problems,
        "version": error.version,
        "changed": error.changed,
    }
    return body, 409, {"ETag": quote_etag(str(error.version))}


@api.errorhandler(StaleDataError)
def raced(_error: StaleDataError) -> tuple[dict[str, Any], int]:
    # Like a refused unique key: no `problems`, since sending the same request again may succeed.
    return {"message": RACED}, 409
