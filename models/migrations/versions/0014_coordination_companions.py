"""Coordinators (appointed by invitation, per district), unmet searches as a monthly count per
municipality, one-time login links and web sessions for /koordination, and "Nicht allein
hingehen": volunteers, their invitations, requests, reports and blocks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=False)


def user(
    table: str, name: str, *, cascade: bool, nullable: bool = False, **kw: Any
) -> sa.Column[int]:
    """A column referring to users.id, named as models.base.NAMING names it."""
    return sa.Column(
        name,
        sa.Integer,
        sa.ForeignKey(
            "users.id",
            ondelete="CASCADE" if cascade else "SET NULL",
            name=f"fk_{table}_{name}_users",
        ),
        nullable=nullable,
        **kw,
    )


def upgrade() -> None:
    op.create_table(
        "coordinators",
        user("coordinators", "user_id", cascade=True, primary_key=True),
        sa.Column("district", sa.String(5), nullable=False),
        sa.Column("since", TIME, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_coordinators"),
    )
    op.create_table(
        "coordinator_invites",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("district", sa.String(5), nullable=False),
        user("coordinator_invites", "created_by", cascade=False, nullable=True),
        sa.Column("expires_at", TIME, nullable=False),
        user("coordinator_invites", "used_by", cascade=False, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_coordinator_invites"),
        sa.UniqueConstraint("code_hash", name="uq_coordinator_invites_code_hash"),
    )
    op.create_table(
        "unmet_searches",
        sa.Column("ags", sa.String(8), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("ags", "month", name="pk_unmet_searches"),
    )
    op.create_table(
        "login_links",
        sa.Column("token_hash", sa.String(64), nullable=False),
        user("login_links", "user_id", cascade=True),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_login_links"),
    )
    op.create_index("ix_login_links_user_id", "login_links", ["user_id"])
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        user("web_sessions", "user_id", cascade=True),
        sa.Column("expires_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "companions",
        sa.Column("id", sa.Integer, nullable=False),
        user("companions", "user_id", cascade=True),
        sa.Column("ags", sa.String(8), nullable=False),
        user("companions", "registered_by", cascade=False, nullable=True),
        sa.Column("since", TIME, nullable=False),
        sa.Column("blocked", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_companions"),
        sa.UniqueConstraint("user_id", name="uq_companions_user_id"),
    )
    op.create_index("ix_companions_ags", "companions", ["ags"])
    op.create_table(
        "companion_invites",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("ags", sa.String(8), nullable=False),
        user("companion_invites", "created_by", cascade=False, nullable=True),
        sa.Column("expires_at", TIME, nullable=False),
        user("companion_invites", "used_by", cascade=False, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_companion_invites"),
        sa.UniqueConstraint("code_hash", name="uq_companion_invites_code_hash"),
    )
    op.create_table(
        "companion_requests",
        sa.Column("id", sa.Integer, nullable=False),
        user("companion_requests", "resident_id", cascade=True),
        sa.Column(
            "offer_id",
            sa.Integer,
            sa.ForeignKey(
                "offers.id", ondelete="CASCADE", name="fk_companion_requests_offer_id_offers"
            ),
            nullable=False,
        ),
        sa.Column("starts_at", TIME, nullable=False),
        sa.Column("ags", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        user("companion_requests", "companion_id", cascade=False, nullable=True),
        sa.Column("resident_name", sa.String(40), nullable=False),
        sa.Column("companion_name", sa.String(40), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_companion_requests"),
    )
    op.create_index("ix_companion_requests_offer", "companion_requests", ["offer_id", "starts_at"])
    op.create_index("ix_companion_requests_resident_id", "companion_requests", ["resident_id"])
    op.create_index("ix_companion_requests_ags", "companion_requests", ["ags"])
    op.create_index("ix_companion_requests_companion_id", "companion_requests", ["companion_id"])
    op.create_table(
        "companion_reports",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey(
                "companion_requests.id",
                ondelete="SET NULL",
                name="fk_companion_reports_request_id_companion_requests",
            ),
            nullable=True,
        ),
        user("companion_reports", "reporter_id", cascade=False, nullable=True),
        user("companion_reports", "reported_id", cascade=False, nullable=True),
        sa.Column("ags", sa.String(8), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("handled", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_companion_reports"),
    )
    op.create_index("ix_companion_reports_ags", "companion_reports", ["ags"])
    op.create_table(
        "companion_blocks",
        user("companion_blocks", "user_id", cascade=True),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_companion_blocks"),
    )


def downgrade() -> None:
    for table in (
        "companion_blocks",
        "companion_reports",
        "companion_requests",
        "companion_invites",
        "companions",
        "web_sessions",
        "login_links",
        "unmet_searches",
        "coordinator_invites",
        "coordinators",
    ):
        op.drop_table(table)
