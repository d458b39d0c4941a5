"""Offers: import source and external key, unique together (idempotent re-imports)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("source", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        batch.create_unique_constraint("uq_offers_source_external_id", ["source", "external_id"])


def downgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.drop_constraint("uq_offers_source_external_id", type_="unique")
        batch.drop_column("external_id")
        batch.drop_column("source")
