"""Alembic environment: runs on the connection models.db hands over (sync inside run_sync)."""

from alembic import context

import models  # noqa: F401  (registers every table on Base.metadata)
from models.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `nahbar db upgrade` (models.db.upgrade)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
