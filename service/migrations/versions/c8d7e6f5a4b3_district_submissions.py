"""district submissions: the report file and figures an inspected office sends before its visit

Revision ID: c8d7e6f5a4b3
Revises: b7c6d5e4f3a2
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c8d7e6f5a4b3"
down_revision: str | None = "b7c6d5e4f3a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "district_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("statistics", sa.JSON(), nullable=False),
        sa.Column("figures_by", sa.String(length=100), nullable=False),
        sa.Column("figures_at", sa.DateTime(), nullable=True),
        sa.Column("report_content", sa.LargeBinary(), nullable=True),
        sa.Column("report_name", sa.String(length=255), nullable=False),
        sa.Column("report_format", sa.String(length=8), nullable=False),
        sa.Column("report_sha256", sa.String(length=64), nullable=False),
        sa.Column("report_size", sa.Integer(), nullable=False),
        sa.Column("report_by", sa.String(length=100), nullable=False),
        sa.Column("report_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_id"),
    )


def downgrade() -> None:
    op.drop_table("district_submissions")
