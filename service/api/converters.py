"""URL converters: an id in a path is a positive database INTEGER, anything else is a 404."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from service.api.schemas import INT_MAX


class IdConverter(IntegerConverter):
    """`<int:…>` limited to 1…2³¹−1 so an oversized id is "not found", not a database error."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=INT_MAX)
