"""Leases: one row per job that exactly one process may do at a time ("leader": the planners,
the nightly maintenance and the Matrix sync), held by whoever renews it before it runs out.

A process takes the lease when it is free or run out, and keeps it by renewing it well before
`expires_at`; a process that dies (even by SIGKILL) simply stops renewing, and another takes
over once the lease has run out. Each step is one UPDATE (or, the very first time, one INSERT)
whose WHERE clause decides atomically: on PostgreSQL a concurrent UPDATE of the same row waits
for the first and then finds the lease taken; SQLite has one writer at a time. The same rows
therefore work for several `nahbar run` workers on PostgreSQL and several `nahbar chat`
terminals on one SQLite file.

Times are the processes' own clocks (UTC epoch seconds); processes on several machines need
their clocks kept in step (NTP), well within the few seconds of margin a lease has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Float, String, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, rowcount

LEADER = "leader"


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)  # "leader"
    holder: Mapped[str] = mapped_column(String(64))  # a process: "<host>:<pid>:<random>"
    expires_at: Mapped[float] = mapped_column(Float)  # epoch seconds
    since: Mapped[float] = mapped_column(Float)  # when this holder took it


def _insert(session: AsyncSession) -> Callable[..., Any]:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def take_or_renew(
    session: AsyncSession, name: str, holder: str, now: float, expires_at: float
) -> bool:
    """Hold the lease until `expires_at` if it is free, run out, or ours already; returns
    whether `holder` holds it now. Runs in the caller's transaction (commit right after)."""
    taken = await session.execute(
        update(Lease)
        .where(Lease.name == name, (Lease.holder == holder) | (Lease.expires_at < now))
        .values(holder=holder, expires_at=expires_at, since=_keep_since(holder, now))
        .execution_options(synchronize_session=False)
    )
    if rowcount(taken):
        return True
    added = await session.execute(
        _insert(session)(Lease)
        .values(name=name, holder=holder, expires_at=expires_at, since=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return bool(rowcount(added))


def _keep_since(holder: str, now: float) -> ColumnElement[float]:
    """`since` stays when the holder renews, and becomes `now` when it takes over."""
    return case((Lease.holder == holder, Lease.since), else_=now)


async def release(session: AsyncSession, name: str, holder: str) -> None:
    """Give the lease up at once (a clean stop), so another process need not wait it out."""
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


async def holder_of(session: AsyncSession, name: str, now: float) -> Lease | None:
    """The current holder's row, or None when nobody holds the lease."""
    lease = await session.scalar(select(Lease).where(Lease.name == name))
    return lease if lease is not None and lease.expires_at >= now else None
