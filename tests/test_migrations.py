"""Migrations build the schema from an empty database, and it matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from models import Base
from models.db import create_engine, upgrade


async def _fresh_engine(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        return create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:  # a database of its own, empty
        await connection.exec_driver_sql("DROP DATABASE IF EXISTS nahbar_empty")
        await connection.exec_driver_sql("CREATE DATABASE nahbar_empty")
    await server.dispose()
    url = make_url(database_url).set(database="nahbar_empty")
    return create_engine(url.render_as_string(hide_password=False))


async def test_upgrade_from_empty_matches_the_models(database_url, tmp_path):
    engine = await _fresh_engine(database_url, tmp_path)
    try:
        await upgrade(engine)
        await upgrade(engine)  # a second start finds nothing to do
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            diff = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata)
            )
        assert {"offers", "occurrences", "users", "conversations", "alembic_version"} <= tables
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        await engine.dispose()
