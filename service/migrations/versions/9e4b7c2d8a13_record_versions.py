"""record versions: every record staff edit counts its changes, so that a write based on an
older version is refused instead of silently erasing what someone else saved (no lost update)

Revision ID: 9e4b7c2d8a13
Revises: 7a3d5e9c1f20
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4b7c2d8a13"
down_revision: str | None = "7a3d5e9c1f20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables of `service.models.versioned.Versioned`; existing rows start at version 1.
TABLES = ("campaigns", "targets", "team_members", "visits", "organisations")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
            )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
