"""A cost nobody stated is its own value ("not_stated"), never shown as free; imported offers
whose description never said they are free become "not stated" (the next import of their
file sets them again from what it says)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# As models.importing.values read costs when these offers came in (copied: a migration keeps
# the rule of its day).
_FREE = re.compile(
    r"\b(kostenlos|kostenfrei|eintritt frei|gratis|umsonst|free of charge|free)\b", re.IGNORECASE
)
_offers = sa.table(
    "offers",
    sa.column("id", sa.Integer),
    sa.column("cost", sa.String),
    sa.column("description", sa.Text),
    sa.column("source", sa.String),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_offers.c.id, _offers.c.description).where(
            _offers.c.cost == "free", _offers.c.source.is_not(None)
        )
    ).all()
    unsaid = [offer_id for offer_id, description in rows if not _FREE.search(description or "")]
    for start in range(0, len(unsaid), 500):
        connection.execute(
            sa.update(_offers)
            .where(_offers.c.id.in_(unsaid[start : start + 500]))
            .values(cost="not_stated")
        )


def downgrade() -> None:
    op.execute(sa.update(_offers).where(_offers.c.cost == "not_stated").values(cost="free"))
