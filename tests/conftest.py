"""Shared fixtures: every store test runs on SQLite and on a real PostgreSQL server.

NAHBAR_TEST_POSTGRES=require (set by .ci/run) turns "PostgreSQL not installed" into an error
instead of a skip.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, select

from models import Base
from models.db import create_engine, session_factory, upgrade
from places import Gazetteer

from .postgres import start_postgres
from .support import ChatDriver

# The `synapse` fixture (a throwaway Matrix homeserver), for every test module that asks for it.
pytest_plugins = ["tests.synapse"]

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday, 10:00 in Berlin

# `nahbar chat` and `nahbar run` started by tests serve no web face unless a test asks for one
# (the default address is shared by every checkout on this machine).
os.environ["NAHBAR_WEB_LISTEN"] = "off"


@pytest.fixture(scope="session")
def postgres_url():
    server = start_postgres()
    if server is None:
        if os.environ.get("NAHBAR_TEST_POSTGRES") == "require":
            pytest.fail("PostgreSQL is required (NAHBAR_TEST_POSTGRES=require) but not installed")
        pytest.skip("PostgreSQL is not installed")
    yield server.url
    server.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_url")


# What the migrations put into a new database (the idea pool), per database URL.
_SEEDED: dict[str, dict] = {}


@pytest.fixture(scope="session")
async def engine(database_url):
    engine = create_engine(database_url)
    await upgrade(engine)
    async with engine.connect() as connection:
        _SEEDED[database_url] = {
            table: [
                dict(row)
                for row in (
                    await connection.execute(select(table).order_by(*table.primary_key))
                ).mappings()
            ]
            for table in Base.metadata.sorted_tables
        }
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessions(engine, database_url):
    """A session factory on a migrated database holding only what the migrations put there."""
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))
        for table, rows in _SEEDED[database_url].items():
            if rows:  # new ids, so PostgreSQL's sequences stay ahead of them
                key = table.autoincrement_column
                await connection.execute(
                    insert(table),
                    [
                        {k: v for k, v in row.items() if key is None or k != key.name}
                        for row in rows
                    ],
                )
    return session_factory(engine)


@pytest.fixture(scope="session")
def places():
    return Gazetteer.load()


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def chat(sessions, places):
    return ChatDriver(sessions, places, now=NOW)
