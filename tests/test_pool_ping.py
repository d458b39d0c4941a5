"""PostgreSQL's pool checks a connection that lay idle before handing it out (models.pool_ping):
one the server has ended since is replaced, and the statement runs."""

from __future__ import annotations

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from models import pool_ping
from models.db import create_engine


async def _end_backend(url: str, pid: int) -> None:
    u = make_url(url)
    admin = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_an_idle_connection_the_server_ended_is_replaced(postgres_url, monkeypatch):
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        await _end_backend(postgres_url, first)
        # Later than the idle window: the clock the pool reads is a second on.
        later = pool_ping.monotonic() + pool_ping.IDLE_S + 1
        monkeypatch.setattr(pool_ping, "monotonic", lambda: later)
        async with engine.connect() as connection:
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        await engine.dispose()
