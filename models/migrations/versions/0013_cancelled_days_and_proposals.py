"""Cancelled dates kept apart from the schedule's own exceptions, and changes to published
offers that wait for review while the approved version stays on show

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.add_column(
            sa.Column("cancelled_days", sa.JSON(), nullable=False, server_default="[]")
        )
    op.create_table(
        "offer_proposals",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
            name=op.f("fk_offer_proposals_offer_id_offers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["users.id"],
            name=op.f("fk_offer_proposals_proposed_by_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_offer_proposals")),
    )
    op.create_index("ix_offer_proposals_proposed_by", "offer_proposals", ["proposed_by"])
    _move_cancelled_dates()


def _move_cancelled_dates() -> None:
    """Dates organisers cancelled were kept among the schedule's exceptions, where the next
    change of the time dropped them: they move to the cancelled days."""
    connection = op.get_bind()
    offers = sa.table(
        "offers",
        sa.column("id", sa.Integer()),
        sa.column("exdates", sa.JSON()),
        sa.column("cancelled_days", sa.JSON()),
    )
    changes = sa.table(
        "offer_changes",
        sa.column("offer_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("day", sa.Date()),
    )
    cancelled: dict[int, set[str]] = {}
    for offer_id, day in connection.execute(
        sa.select(changes.c.offer_id, changes.c.day).where(
            changes.c.kind == "date_cancelled", changes.c.day.is_not(None)
        )
    ):
        cancelled.setdefault(offer_id, set()).add(day.isoformat())
    for offer_id, days in sorted(cancelled.items()):
        exdates = connection.execute(
            sa.select(offers.c.exdates).where(offers.c.id == offer_id)
        ).scalar()
        if exdates is None:
            continue  # the offer is gone
        connection.execute(
            sa.update(offers)
            .where(offers.c.id == offer_id)
            .values(
                exdates=sorted(d for d in exdates if d not in days), cancelled_days=sorted(days)
            )
        )


def downgrade() -> None:
    connection = op.get_bind()
    offers = sa.table(
        "offers",
        sa.column("id", sa.Integer()),
        sa.column("exdates", sa.JSON()),
        sa.column("cancelled_days", sa.JSON()),
    )
    for offer_id, exdates, days in connection.execute(
        sa.select(offers.c.id, offers.c.exdates, offers.c.cancelled_days)
    ).all():
        if days:  # back among the exceptions, where the older code looks for them
            connection.execute(
                sa.update(offers)
                .where(offers.c.id == offer_id)
                .values(exdates=sorted({*(exdates or []), *days}))
            )
    op.drop_index("ix_offer_proposals_proposed_by", "offer_proposals")
    op.drop_table("offer_proposals")
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("cancelled_days")
