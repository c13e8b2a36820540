"""Pagination of list endpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from service.database import session


def paginate(stmt: Select[Any], page: int, per_page: int) -> dict[str, Any]:
    db = session()
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": items,
        "meta": {
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": (total + per_page - 1) // per_page,
        },
    }
