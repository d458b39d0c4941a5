"""Leadership: of all processes on one database exactly one plans (reminders, change notices,
digests, alerts), runs the nightly maintenance and syncs Matrix; the others stand by and take
over when it stops renewing its lease (models.leases).

    leadership = Leadership(sessions, on_change=...)   # on_change(is_leader) on every change
    task = asyncio.create_task(leadership.run())
    leadership.is_leader                               # right now, by this process's own clock
    await leadership.resign()                          # a clean stop hands over at once

The leader renews every `renew_every` seconds a lease of `lease` seconds; a standby tries as
often. After a SIGKILL of the leader the lease runs out and the next standby attempt takes it:
a takeover within `lease + renew_every` (20 + 5 s by default, under the 30 s promised). A
leader that cannot renew (the database is away) counts itself a standby once its lease has run
out by its own clock, before any other process can take it over, so two leaders never plan at
the same time by the lease; and every planner only adds rows under keys that name what they
are for, so even a stalled leader waking up late plans nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import leases

log = logging.getLogger(__name__)
LEASE_SECONDS = 20.0
RENEW_EVERY = 5.0
MARGIN = 2.0  # a leader stops this long before its lease runs out by its own clock


def process_name() -> str:
    """Tells processes apart in the lease table and in logs: host, pid and a random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leadership:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        name: str = leases.LEADER,
        holder: str | None = None,
        lease: float = LEASE_SECONDS,
        renew_every: float = RENEW_EVERY,
        on_change: Callable[[bool], Awaitable[None] | None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.name = name
        self.holder = holder or process_name()
        self.lease, self.renew_every = lease, renew_every
        self.on_change = on_change
        self.clock = clock  # the time written to the lease table
        # Our lease by this process's monotonic clock, minus the margin: a jump of the wall
        # clock (or a test moving it) neither ends nor stretches it.
        self._valid_until = 0.0
        self._was_leader = False
        self.changes = 0  # how often this process became leader or stopped being it

    @property
    def is_leader(self) -> bool:
        return time.monotonic() < self._valid_until

    @property
    def role(self) -> str:
        return "leader" if self.is_leader else "standby"

    async def step(self) -> bool:
        """One attempt to take or renew the lease; returns whether this process leads now."""
        now, started = self.clock(), time.monotonic()
        try:
            async with self.sessions() as session, session.begin():
                held = await leases.take_or_renew(
                    session, self.name, self.holder, now, now + self.lease
                )
        except Exception as exc:  # noqa: BLE001 - the database restarting: keep what we have
            log.warning("could not renew the %s lease (%s)", self.name, type(exc).__name__)
            held = None
        if held is True:
            self._valid_until = started + self.lease - MARGIN
        elif held is False:
            self._valid_until = 0.0
        await self._notice()
        return self.is_leader

    async def _notice(self) -> None:
        leading = self.is_leader
        if leading == self._was_leader:
            return
        self._was_leader = leading
        self.changes += 1
        log.info("this process is now %s (%s)", "the leader" if leading else "a standby", self.name)
        if self.on_change is not None:
            try:
                result = self.on_change(leading)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:  # a failing reaction must not stop the renewals
                log.exception("reacting to a change of leadership failed")

    async def run(self) -> None:
        """Take, renew, or wait, until cancelled."""
        while True:
            await self.step()
            # A standby tries as often as the leader renews; renewing never waits out the lease.
            await asyncio.sleep(self.renew_every)
            if self._was_leader and not self.is_leader:
                await self._notice()  # the lease ran out by our clock without a renewal

    async def resign(self) -> None:
        """Give the lease up (a clean stop): a standby takes over at its next attempt."""
        was = self.is_leader
        self._valid_until = 0.0
        if was:
            try:
                async with self.sessions() as session, session.begin():
                    await leases.release(session, self.name, self.holder)
            except Exception as exc:  # noqa: BLE001 - it runs out by itself then
                log.warning("could not hand the %s lease over (%s)", self.name, type(exc).__name__)
        await self._notice()
