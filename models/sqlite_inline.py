"""SQLite for SQLAlchemy's asyncio layer without a worker-thread hop per statement.

aiosqlite runs every call (open a cursor, execute, fetch, close, commit) on a thread of its
own and wakes the event loop for each answer: four or five hops per statement, which made the
driver layer cost more than SQLite itself (a nearby search: 0.34 ms of SQL, 1.09 ms of hops).
SQLite answers from the page cache in microseconds and never waits for a network, so here
each call runs at once on the event loop's thread: a whole turn crosses no thread at all.

The one thing SQLite can wait for is another connection's write lock (another process on the
file, or another task of this one in the middle of a write). Calls therefore run with no busy
timeout; a call that finds the database busy is retried on a worker thread with the usual
timeout, so the event loop keeps running meanwhile (the lock holder may be a task of this very
loop) — the same behaviour as aiosqlite, paid for only when it happens.

`connector(path)` gives SQLAlchemy's `async_creator`; the objects below speak as much of
aiosqlite's interface as SQLAlchemy's aiosqlite dialect uses (models.db wires it).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, Literal, ParamSpec, TypeVar, cast

P = ParamSpec("P")
T = TypeVar("T")
IsolationLevel = Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"] | None

BUSY_TIMEOUT_MS = 5000
SQLITE_BUSY = 5


class _RunNow:
    """Stands in for aiosqlite's request queue, which SQLAlchemy's adapter uses to change the
    isolation level: the function runs at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting future
            future.set_exception(exc)
        else:
            future.set_result(result)


class InlineCursor:
    __slots__ = ("_cursor", "_owner")

    def __init__(self, owner: InlineConnection) -> None:
        self._owner = owner
        self._cursor = owner._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await self._owner._run(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Any) -> InlineCursor:
        await self._owner._run(self._cursor.executemany, sql, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """A sqlite3 connection with aiosqlite's coroutine interface, run on the caller's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        # SQLAlchemy's adapter checks it before commit and rollback.
        self._connection: sqlite3.Connection | None = conn
        self._tx = _RunNow()

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        cursor = self.cursor()
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        await self._run(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    def stop(self) -> None:
        """Closed without waiting (SQLAlchemy's forced terminate)."""
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        # sqlite3 takes "" too (DEFERRED), which its type stubs leave out.
        self._conn.isolation_level = cast(IsolationLevel, value)

    async def _run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return call(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF != SQLITE_BUSY:
                raise

        def patiently() -> T:
            return self._patiently(call, *args, **kwargs)

        return await asyncio.to_thread(patiently)

    def _patiently(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """On a worker thread: wait for the lock as long as the busy timeout allows."""
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            return call(*args, **kwargs)
        finally:
            self._conn.execute("PRAGMA busy_timeout = 0")


def connector(database: str, **options: Any) -> Callable[[], Awaitable[InlineConnection]]:
    """SQLAlchemy's `async_creator` for a SQLite file (or ":memory:")."""

    async def connect() -> InlineConnection:
        conn = sqlite3.connect(database, check_same_thread=False, **options)
        conn.execute("PRAGMA busy_timeout = 0")  # waiting happens off the loop (_run)
        return InlineConnection(conn)

    return connect
