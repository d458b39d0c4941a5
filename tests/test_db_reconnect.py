"""A PostgreSQL restart between turns costs no turn: a connection that sat in the pool is
checked before it is handed out (models.pool_ping), and one returned a moment ago is not."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from models import pool_ping
from models.db import create_engine

from .postgres import start_postgres


@pytest.fixture
def server():
    server = start_postgres()
    if server is None:
        pytest.skip("PostgreSQL is not installed")
    yield server
    server.stop()


async def test_the_first_turn_after_the_database_restarted_is_answered(server):
    engine = create_engine(server.url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("select 41 + 1"))).scalar() == 42
        server._run("pg_ctl", "-D", str(server.data), "-m", "fast", "-w", "restart")
        # The pooled connection has been idle: it is checked first.
        await asyncio.sleep(pool_ping.IDLE_S + 0.1)
        async with engine.connect() as connection:
            assert (await connection.execute(text("select 41 + 1"))).scalar() == 42
    finally:
        await engine.dispose()


async def test_a_connection_back_a_moment_ago_is_not_pinged_again(server):
    engine = create_engine(server.url)
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(1) or original(connection)
    try:
        for _ in range(5):
            async with engine.connect() as connection:
                await connection.execute(text("select 1"))
        # Five transactions in a row: only the first checkout of the new connection is checked.
        assert len(pings) == 1
    finally:
        await engine.dispose()
