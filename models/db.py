"""Engine, sessions and schema upgrades."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .pool_ping import ping_when_idle

if TYPE_CHECKING:
    from alembic.config import Config  # imported when needed: it takes a while

MIGRATIONS = Path(__file__).with_name("migrations")


def create_engine(url: str, *, inline: bool = True, **kwargs: Any) -> AsyncEngine:
    """An engine for the store. SQLite runs each statement on the event loop's own thread
    (models.sqlite_inline; `inline=False`: through aiosqlite's thread, as before)."""
    # Errors must not carry chat ids or coordinates into the logs.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        if inline:
            from .sqlite_inline import connector

            kwargs.setdefault("async_creator", connector(database))
        engine = create_async_engine(url, **kwargs)
        event.listen(
            engine.sync_engine, "connect", _sqlite_pragmas_inline if inline else _sqlite_pragmas
        )
        return engine
    engine = create_async_engine(url, **kwargs)
    ping_when_idle(engine)  # pool_pre_ping, but not for a connection used a moment ago
    return engine


def _sqlite_pragmas(
    dbapi_connection: DBAPIConnection, _record: object, busy_timeout_ms: int = 5000
) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    # The search walks index pages all over the file: map it and keep more of it cached.
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


def _sqlite_pragmas_inline(dbapi_connection: DBAPIConnection, record: object) -> None:
    # No busy timeout on the event loop's thread: a busy database is waited for on a worker
    # thread instead (models.sqlite_inline).
    _sqlite_pragmas(dbapi_connection, record, busy_timeout_ms=0)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


# Any fixed number: every process of this application takes the same PostgreSQL advisory lock
# around its migrations ("nahbar" in ASCII).
MIGRATION_LOCK = 0x6E616862_6172


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Workers started at the same moment migrate one after the other: the second waits here
        # until the first has committed, then finds nothing left to do. (Without it both try to
        # create alembic_version and one dies of a unique violation.) Held until commit.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    elif connection.dialect.name == "sqlite":
        # Take SQLite's write lock before Alembic reads the version, for the same reason.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    from alembic import command

    command.upgrade(alembic_config(connection), revision)


_REVISION = re.compile(r"""^(down_)?revision\s*=\s*["']([^"']+)["']""", re.M)


def head_revision() -> str:
    """The newest migration, read from the files without importing Alembic (which takes a
    good part of a second to import): the revision no other migration builds on."""
    revisions: set[str] = set()
    builds_on: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (builds_on if down else revisions).add(value)
    heads = revisions - builds_on
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


async def is_current(engine: AsyncEngine) -> bool:
    """Whether the schema is at the newest migration already (a start with nothing to do)."""
    try:
        async with engine.connect() as connection:
            found = (
                (await connection.execute(text("SELECT version_num FROM alembic_version")))
                .scalars()
                .all()
            )
    except Exception:  # noqa: BLE001 - no table yet, or no database: Alembic will tell
        return False
    return found == [head_revision()]


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision`; cheap when it is already there (Alembic is not even
    loaded then). Safe to call from several processes at once (they take turns)."""
    if revision == "head" and await is_current(engine):
        return
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def upgrade_sync(url: str) -> None:
    async def run() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
