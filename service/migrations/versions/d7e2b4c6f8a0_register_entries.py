"""register entries: the numbers of a register issued outside the system (a department adopting
Vanthu mid-year, or a number taken by hand), so that issuing never takes one of them again

Revision ID: d7e2b4c6f8a0
Revises: c5f1a2b3d4e6
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7e2b4c6f8a0"
down_revision: str | None = "c5f1a2b3d4e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "register_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=200), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("keeper", sa.String(length=200), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["register_id"], ["registers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("register_id", "number"),
    )
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_register_entries_register_id"), ["register_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_register_entries_register_id"))
    op.drop_table("register_entries")
