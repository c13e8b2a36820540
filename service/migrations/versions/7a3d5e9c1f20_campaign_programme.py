"""campaigns: the inspection the plan defines (programme, indicators, preparation, sub-unit,
report recipients), so that any programme is data; existing campaigns get the one programme the
product knew until now

Revision ID: 7a3d5e9c1f20
Revises: 5c1e8f2a9b47
Create Date: 2026-12-01 10:10:00
"""

import json
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "7a3d5e9c1f20"
down_revision: str | None = "5c1e8f2a9b47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Campaigns made before this revision all inspected the prostitution-prevention programme: its
# indicators were the code's section II.3 fields. A frozen copy of that preset as it stood.
PRESET = Path(__file__).with_name("7a3d5e9c1f20_preset.json")

campaigns = sa.table(
    "campaigns",
    sa.column("id", sa.Integer),
    sa.column("year", sa.Integer),
    sa.column("programme", sa.Text),
    sa.column("indicators", sa.JSON),
    sa.column("preparation", sa.JSON),
    sa.column("sub_unit_label", sa.Text),
    sa.column("report_recipients", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("programme", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("indicators", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("preparation", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("sub_unit_label", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("report_recipients", sa.JSON(), nullable=False, server_default="[]")
        )
    preset = json.loads(PRESET.read_text(encoding="utf-8"))
    connection = op.get_bind()
    for row in connection.execute(sa.select(campaigns.c.id, campaigns.c.year)):
        connection.execute(
            campaigns.update()
            .where(campaigns.c.id == row.id)
            .values(
                programme=f"{preset['programme']} năm {row.year}",
                indicators=preset["indicators"],
                preparation=preset["preparation"],
                sub_unit_label=preset["sub_unit_label"],
                report_recipients=preset["report_recipients"],
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        for name in ("report_recipients", "sub_unit_label", "preparation", "indicators"):
            batch.drop_column(name)
        batch.drop_column("programme")
