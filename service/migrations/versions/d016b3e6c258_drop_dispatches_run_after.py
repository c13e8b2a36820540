"""drop dispatches.run_after: a dispatch's retry time is its send job's

Revision ID: d016b3e6c258
Revises: b2a3a301c44f
Create Date: 2026-12-01 09:06:02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d016b3e6c258"
down_revision: str | None = "b2a3a301c44f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_column("run_after")


def downgrade() -> None:
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_after", sa.DateTime(), nullable=True))
