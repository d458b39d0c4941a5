"""The maintenance job and the scheduler that runs it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from models import User, occurrences, utcnow
from models.conversations import forget_idle
from models.erasure import erase_user
from models.schedule import BERLIN

log = logging.getLogger(__name__)
FORGET_DIALOGUE_AFTER = timedelta(days=30)  # a search nobody continued is not worth keeping
FORGET_USER_AFTER = timedelta(days=548)  # about 18 months without a single message


async def run_maintenance(sessions: async_sessionmaker, now: datetime | None = None) -> dict[str, int]:
    """Extend occurrences to the horizon, drop ended ones, forget idle dialogue state and
    accounts nobody has used for about 18 months."""
    now = now or utcnow()
    async with sessions() as session, session.begin():
        added = await occurrences.extend_horizon(session, now)
        purged = await occurrences.purge_ended(session, now)
        forgotten = await forget_idle(session, now - FORGET_DIALOGUE_AFTER)
        idle = (await session.scalars(
            select(User.id).where(User.last_seen_at < now - FORGET_USER_AFTER))).all()
        for user_id in idle:  # as if they had written /loeschen: settings and home place go
            await erase_user(session, user_id)
    counts = {"occurrences_added": added, "occurrences_purged": purged,
              "dialogues_forgotten": forgotten, "users_forgotten": len(idle)}
    log.info("maintenance: %s", counts)
    return counts


def build_scheduler(sessions: async_sessionmaker) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=BERLIN)
    scheduler.add_job(
        run_maintenance, CronTrigger(hour=3, minute=30, timezone=BERLIN), args=[sessions],
        id="maintenance", replace_existing=True, coalesce=True, misfire_grace_time=3600,
    )
    return scheduler
