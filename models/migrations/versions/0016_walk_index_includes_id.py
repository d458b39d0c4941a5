"""PostgreSQL: the occurrences' walk index carries the id, so the nearby search reads the index
alone (an index-only scan) instead of the table for every row it walks (issue 18). SQLite's
index entries hold the rowid (the id) already: nothing changes there.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_COLUMNS = ["cell", "starts_at", "ends_at", "latitude", "longitude", "category", "offer_id"]


def _walk_index(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_occurrences_walk", table_name="occurrences")
    op.create_index("ix_occurrences_walk", "occurrences", _COLUMNS, postgresql_include=include)


def upgrade() -> None:
    _walk_index(["id"])


def downgrade() -> None:
    _walk_index([])
