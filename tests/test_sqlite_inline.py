"""SQLite on the event loop's own thread (models.sqlite_inline): a turn crosses no thread, and
a write that finds another one in progress waits for it off the loop instead of blocking it."""

from __future__ import annotations

import asyncio
import threading

from sqlalchemy import func, insert, select

from models import User
from models.db import create_engine, session_factory, upgrade
from models.sqlite_inline import InlineConnection

from .support import ChatDriver


async def test_a_turn_runs_without_a_thread_hop(tmp_path, places, now, monkeypatch):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.sqlite3'}")
    await upgrade(engine)
    hops = []
    real = asyncio.to_thread
    monkeypatch.setattr(asyncio, "to_thread", lambda *a, **k: (hops.append(a), real(*a, **k))[1])
    try:
        chat = ChatDriver(session_factory(engine), places, now=now)
        await chat.say("Wernigerode")
        await chat.say("/hilfe")
        async with engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
        assert isinstance(raw, InlineConnection)
        assert hops == []
        assert [t for t in threading.enumerate() if "aiosqlite" in type(t).__module__] == []
    finally:
        await engine.dispose()


async def test_a_write_waits_for_another_writer_of_the_same_loop_without_blocking_it(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'busy.sqlite3'}")
    await upgrade(engine)
    sessions = session_factory(engine)
    holding = asyncio.Event()
    order = []

    async def first() -> None:
        async with sessions() as session, session.begin():
            await session.execute(insert(User).values(platform="terminal", platform_id="a"))
            holding.set()  # the write lock is ours until the commit
            await asyncio.sleep(0.3)  # other tasks of this loop run meanwhile
            order.append("first commits")

    async def second() -> None:
        await holding.wait()
        async with sessions() as session, session.begin():
            await session.execute(insert(User).values(platform="terminal", platform_id="b"))
            order.append("second wrote")

    async def ticking() -> int:
        ticks = 0
        while not order or len(order) < 2:
            await asyncio.sleep(0.01)
            ticks += 1
        return ticks

    try:
        _, _, ticks = await asyncio.wait_for(asyncio.gather(first(), second(), ticking()), 10)
        assert order == ["first commits", "second wrote"]
        assert ticks >= 10  # the loop kept running while the second write waited
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(User)) == 2
    finally:
        await engine.dispose()
