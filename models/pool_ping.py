"""PostgreSQL's pool pre-ping, skipped for a connection that was in use a moment ago.

SQLAlchemy's `pool_pre_ping` on asyncpg costs three round trips at every checkout (BEGIN, an
empty statement, ROLLBACK): more than the nearby search itself, which is one round trip
(issue 18). Here a connection is pinged only when it has lain in the pool for longer than
`IDLE_S` (as HikariCP's "alive bypass window" does): a connection used half a second ago is
alive unless the server died and came back within that half second. A failed ping invalidates
the pool and the checkout gets a new connection, as with `pool_pre_ping`.
"""

from __future__ import annotations

from time import monotonic

from sqlalchemy import event, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

IDLE_S = 0.5
_RETURNED = "nahbar_returned_at"  # in the pool entry's info: when it was last checked in


def ping_when_idle(engine: AsyncEngine, idle_s: float = IDLE_S) -> None:
    """Ping each connection checked out of `engine`'s pool after more than `idle_s` idle
    (the engine is made without `pool_pre_ping`)."""
    dialect: Dialect = engine.dialect

    def checkout(
        dbapi_connection: DBAPIConnection,
        entry: ConnectionPoolEntry,
        _proxy: PoolProxiedConnection,
    ) -> None:
        returned = entry.info.get(_RETURNED)
        if returned is not None and monotonic() - returned <= idle_s:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # Like a failed pre-ping: every pooled connection is replaced.
                raise exc.InvalidatePoolError() from error
            raise

    def checkin(_dbapi_connection: DBAPIConnection | None, entry: ConnectionPoolEntry) -> None:
        entry.info[_RETURNED] = monotonic()

    event.listen(engine.sync_engine, "checkout", checkout)
    event.listen(engine.sync_engine, "checkin", checkin)
