"""A record staff edit carries a version, so that a write based on an older one is refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class Versioned:
    """The ORM counts every change of the row in `version` and updates it only `WHERE version`
    is still the one it read: two writers racing cannot both win (no lost update)."""

    # Last in the table, as the migration added it.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"), sort_order=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]
