"""Occurrences: epoch-second times and a covering index for the nearby search

Occurrences are derived from the offers' schedules, so the table is rebuilt empty and every
offer is marked for re-materialisation; the maintenance run at start-up refills it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _occurrences(time_type: type[sa.types.TypeEngine[Any]]) -> None:
    op.create_table(
        "occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", time_type(), nullable=False),
        sa.Column("ends_at", time_type(), nullable=False),
        sa.Column("cell", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
            name=op.f("fk_occurrences_offer_id_offers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occurrences")),
    )
    op.create_index("ix_occurrences_offer_start", "occurrences", ["offer_id", "starts_at"])


def upgrade() -> None:
    op.drop_table("occurrences")
    _occurrences(sa.BigInteger)
    op.create_index(
        "ix_occurrences_walk",
        "occurrences",
        ["cell", "starts_at", "ends_at", "latitude", "longitude", "category", "offer_id"],
    )
    op.execute("UPDATE offers SET materialised_until = NULL")


def downgrade() -> None:
    op.drop_table("occurrences")
    _occurrences(sa.DateTime)
    op.create_index("ix_occurrences_cell_start", "occurrences", ["cell", "starts_at"])
    op.execute("UPDATE offers SET materialised_until = NULL")
