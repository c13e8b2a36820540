"""organisations.competence_basis and the commune representative of a visit: a decision cites
the legal basis of its issuer's competence, and the minutes name and have signed by the commune
committee inspected beside the district office

Revision ID: c5f1a2b3d4e6
Revises: 9e4b7c2d8a13
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5f1a2b3d4e6"
down_revision: str | None = "9e4b7c2d8a13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, type): existing rows start empty, which keeps what documents printed before.
COLUMNS = (
    ("organisations", "competence_basis", sa.Text()),
    ("visits", "commune_representative", sa.String(length=200)),
    ("visits", "commune_representative_position", sa.String(length=200)),
)


def upgrade() -> None:
    for table, name, type_ in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=""))


def downgrade() -> None:
    for table, name, _ in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(name)
