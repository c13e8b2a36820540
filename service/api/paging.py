"""Pagination of list endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from apiflask import Schema
from sqlalchemy import Select, select

from service.api import api
from service.api.schemas import PageQuery
from service.database import Base, session
from service.identity import require
from service.queries.paging import page_of

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def paged(page: type[Schema], query: type[Schema] = PageQuery) -> Callable[[Endpoint], Endpoint]:
    """A list endpoint's input and output: the page (and filters) asked for, and that page."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        return api.input(query, location="query", arg_name="query")(api.output(page)(endpoint))

    return decorate


def paginate(stmt: Select[Any], page: int, per_page: int) -> dict[str, Any]:
    """The API's answer: page `page` as asked (past the end, an empty one) and its `meta`."""
    found = page_of(session(), stmt, page, per_page, clamp=False)
    return {"items": found.items, "meta": found.meta()}


def listing(
    action: str, model: type[Base], query: dict[str, Any], filters: Iterable[str] = ()
) -> dict[str, Any]:
    """For a caller who may do `action`: a page of `model` rows in the order they were made,
    narrowed by each of the `filters` (column names) that the query gives."""
    require(action)
    stmt = select(model).order_by(*model.__mapper__.primary_key)
    for name in filters:
        if query.get(name) is not None:
            stmt = stmt.where(getattr(model, name) == query[name])
    return paginate(stmt, query["page"], query["per_page"])
