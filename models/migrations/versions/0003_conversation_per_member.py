"""Conversations: one per chat and member, and whether the chat is a group

In a group chat every member has a dialogue state of their own, so two members can never
mix their steps, and erasing one member never touches another's state. The rows are copied
over; existing chats are private ones.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", recreate="always") as batch:
        batch.add_column(
            sa.Column("is_group", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.drop_constraint("pk_conversations", type_="primary")
        batch.create_primary_key("pk_conversations", ["chat", "user_id"])


def downgrade() -> None:
    op.execute("DELETE FROM conversations WHERE is_group")
    with op.batch_alter_table("conversations", recreate="always") as batch:
        batch.drop_constraint("pk_conversations", type_="primary")
        batch.create_primary_key("pk_conversations", ["chat"])
        batch.drop_column("is_group")
