"""Outbox for scheduled messages, and chats whose deliveries are paused

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STATUS = sa.Enum(
    "queued",
    "sending",
    "sent",
    "parked",
    "dropped",
    name="outboxstatus",
    native_enum=False,
    length=16,
)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("chat", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("too_late_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    op.create_index("ix_outbox_status_due", "outbox", ["status", "due_at"])
    op.create_index("ix_outbox_chat", "outbox", ["chat"])
    op.create_table(
        "paused_chats",
        sa.Column("chat", sa.String(length=255), nullable=False),
        sa.Column("paused_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("chat", name=op.f("pk_paused_chats")),
    )


def downgrade() -> None:
    op.drop_table("paused_chats")
    op.drop_index("ix_outbox_chat", "outbox")
    op.drop_index("ix_outbox_status_due", "outbox")
    op.drop_table("outbox")
