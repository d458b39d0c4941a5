"""Inbox of received messages until answered, and the position each account has read its
platform's events up to

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("chat", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("group", sa.Boolean(), nullable=False),
        sa.Column("sender_is_admin", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_inbox_event_id")),
    )
    op.create_index("ix_inbox_answered_at", "inbox", ["answered_at"])
    op.create_index("ix_inbox_chat", "inbox", ["chat"])
    op.create_table(
        "sync_positions",
        sa.Column("account", sa.String(length=255), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_sync_positions")),
    )


def downgrade() -> None:
    op.drop_table("sync_positions")
    op.drop_index("ix_inbox_chat", "inbox")
    op.drop_index("ix_inbox_answered_at", "inbox")
    op.drop_table("inbox")
