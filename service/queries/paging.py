"""One page of a list, counted and sliced in the database: the API's pages and the web's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

Row = TypeVar("Row")


@dataclass(frozen=True)
class Page(Generic[Row]):
    """Rows `offset + 1 ..` of `total`; a page asked for past the end is the last one."""

    items: list[Row]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def meta(self) -> dict[str, int]:
        """The API's `meta` of a page (`pages` is 0 for an empty list there)."""
        pages = -(-self.total // self.size)
        return {"page": self.number, "per_page": self.size, "total": self.total, "pages": pages}


def page_of(
    db: Session, stmt: Select[Any], number: int, size: int, clamp: bool = True
) -> Page[Any]:
    """Page `number` of `stmt`'s rows, `size` a page; `clamp` keeps it within the pages there
    are (the web's pager), else a page past the end is empty (the API's)."""
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if clamp:
        number = min(number, max(1, -(-total // size)))
    items = list(db.scalars(stmt.limit(size).offset((number - 1) * size)))
    return Page(items, number, size, total)


def page_of_list(rows: list[Row], number: int, size: int) -> Page[Row]:
    """Page `number` (within the pages there are) of rows already read, `size` a page."""
    number = min(number, max(1, -(-len(rows) // size)))
    return Page(rows[(number - 1) * size : number * size], number, size, len(rows))
