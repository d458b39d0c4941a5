"""The longest gathering listed in each geo cell (`cell_spans`), so the nearby search looks back
only as far as a gathering there can run (usually a few hours), not 24 hours (issue 18).
Filled from the occurrences there are.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cell_spans",
        sa.Column("cell", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("longest", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("cell", name=op.f("pk_cell_spans")),
    )
    op.execute(
        "INSERT INTO cell_spans (cell, longest)"
        " SELECT cell, max(ends_at - starts_at) FROM occurrences GROUP BY cell"
    )


def downgrade() -> None:
    op.drop_table("cell_spans")
