"""Planner jobs: they turn subscriptions into outbox rows; the dispatcher sends them.

Every planner only adds rows under keys that name what they are for (models.reminders,
models.digests), so running one again, twice at once, or after a restart adds nothing
twice; after downtime the next run catches up (what is still worth sending is queued, the
dispatcher drops what has become too late). Each planner runs in its own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import utcnow
from models.broadcast import DEFAULT_RATES
from models.digests import plan_alerts, plan_digests
from models.reminders import forget_past, notify_changes, plan_reminders

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Planning:
    evening: time = time(18)  # "am Vortag" reminders, Berlin wall clock
    alerts_at: time = time(17)  # the daily alert bundle goes out from this time on
    reminders_every: timedelta = timedelta(minutes=5)
    notices_every: timedelta = timedelta(minutes=1)
    digests_every: timedelta = timedelta(minutes=10)
    # Bulk messages (weekly posts, alerts) per second and platform: they are lined up at this
    # pace after their slot (models.broadcast), leaving the rest to time-critical messages.
    bulk_rates: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))


async def run_reminders(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime | None = None,
    planning: Planning = Planning(),
) -> int:
    """Queue the reminders of the next two days; forget one-date reminders that are over."""
    now = now or utcnow()
    async with sessions() as session, session.begin():
        added = await plan_reminders(session, now, planning.evening)
        await forget_past(session, now)
    if added:
        log.info("reminders: %d queued", added)
    return added


async def run_notices(
    sessions: async_sessionmaker[AsyncSession], now: datetime | None = None
) -> int:
    """Tell everyone with a reminder about changes and cancellations, once."""
    now = now or utcnow()
    async with sessions() as session, session.begin():
        added = await notify_changes(session, now)
    if added:
        log.info("change notices: %d queued", added)
    return added


async def run_digests(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime | None = None,
    planning: Planning = Planning(),
) -> dict[str, int]:
    """Queue the weekly digests due soon and, once a day, the alert bundles."""
    now = now or utcnow()
    async with sessions() as session, session.begin():
        digests = await plan_digests(session, now, planning.bulk_rates)
    async with sessions() as session, session.begin():
        alerts = await plan_alerts(session, now, planning.alerts_at, planning.bulk_rates)
    if digests or alerts:
        log.info("digests: %d queued, alerts: %d queued", digests, alerts)
    return {"digests": digests, "alerts": alerts}
