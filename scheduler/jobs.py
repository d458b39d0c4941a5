"""The scheduler and its jobs: nightly maintenance and retention, the planners (reminders,
change notices, digests and alerts, scheduler.planners) and the outbox dispatcher.

`build_scheduler` returns an AsyncIOScheduler (Europe/Berlin) that is not started yet, so
feature code can add its own planner jobs before the adapter starts it:

    scheduler = build_scheduler(sessions, dispatcher=dispatcher, retention=settings.retention)
    scheduler.add_job(plan_reminders, IntervalTrigger(minutes=15), args=[sessions], id="reminders",
                      **JOB_DEFAULTS)
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import User, companions, inbox, occurrences, utcnow, web_login
from models.conversations import forget_idle
from models.erasure import erase_user
from models.outbox import purge_settled
from models.schedule import BERLIN
from ops.metrics import PLANNER_RUNS

from .dispatcher import Dispatcher
from .planners import Planning, run_digests, run_notices, run_reminders
from .retention import Retention, purge_ended_offers

log = logging.getLogger(__name__)
DEFAULT_RETENTION = Retention()
DISPATCH_EVERY = 2.0  # seconds between dispatcher passes
# One run at a time, missed runs folded into one: what every periodic job here wants.
JOB_DEFAULTS = {
    "replace_existing": True,
    "coalesce": True,
    "max_instances": 1,
    "misfire_grace_time": 3600,
}


async def run_maintenance(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime | None = None,
    retention: Retention = DEFAULT_RETENTION,
) -> dict[str, int]:
    """Extend occurrences to the horizon, drop ended ones, and forget what the retention
    periods say: idle dialogue state, ended offers, settled outbox rows, received messages
    older than a day, requests for company a day after their date, and accounts nobody has
    used for about 18 months."""
    now = now or utcnow()
    async with sessions() as session, session.begin():
        offers_purged = await purge_ended_offers(session, now, retention.ended_offer)
        await web_login.forget_expired(session, now)  # coordinators' login links and sessions
        companions_forgotten = await companions.forget_past(
            session, now
        )  # "not alone" after the date
        added = await occurrences.extend_horizon(session, now)
        purged = await occurrences.purge_ended(session, now)
        forgotten = await forget_idle(session, now - retention.dialogue)
        outbox_purged = await purge_settled(session, now - retention.outbox)
        inbox_purged = await inbox.purge(session, now - inbox.KEEP)
        idle = (
            await session.scalars(
                select(User.id).where(User.last_seen_at < now - retention.idle_user)
            )
        ).all()
        for user_id in idle:  # as if they had written /loeschen: settings and home place go
            await erase_user(session, user_id)
    counts = {
        "occurrences_added": added,
        "occurrences_purged": purged,
        "dialogues_forgotten": forgotten,
        "users_forgotten": len(idle),
        "offers_purged": offers_purged,
        "outbox_purged": outbox_purged,
        "inbox_purged": inbox_purged,
        "companion_requests_forgotten": companions_forgotten,
    }
    log.info("maintenance: %s", counts)
    return counts


async def dispatch(dispatcher: Dispatcher, budget: float, running: _Running | None = None) -> None:
    """Send what is due. A backlog (a weekly post, alerts) is sent in passes of up to `budget`
    seconds one right after the other, with no pause between them (the rate limits have no
    burst to make a pause up); the job triggered meanwhile finds the pass going on and returns
    (the job may run twice at once for that). A stopping scheduler ends it after the pass."""
    if dispatcher.draining:
        return
    dispatcher.draining = True
    try:
        while True:
            started = time.monotonic()
            await dispatcher.drain(budget)
            if time.monotonic() - started < budget:
                return  # ended before its time: nothing more was due
            if running is not None and running.stopping:
                return
    finally:
        dispatcher.draining = False


# A scheduled job: a coroutine function, whatever it takes and returns.
Job = Callable[..., Awaitable[Any]]


class _Running:
    """The job runs in progress, so a shutdown can let them finish: a job cut off in the middle
    of a query can leave the database driver's thread behind, and the process never ends."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False  # long jobs (the dispatcher's backlog) end after their pass

    def wrap(self, job: Job) -> Job:
        @functools.wraps(job)
        async def run(*args: Any, **kwargs: Any) -> Any:
            task = asyncio.current_task()
            assert task is not None  # a coroutine the loop runs always has its task
            self.tasks.add(task)
            try:
                return await job(*args, **kwargs)
            finally:
                self.tasks.discard(task)

        return run


async def stop_scheduler(scheduler: AsyncIOScheduler, timeout: float = 15.0) -> None:
    """Start no new job, let running ones finish (up to `timeout`), then shut down."""
    if not scheduler.running:
        return
    scheduler.pause()
    running: _Running | None = getattr(scheduler, "nahbar_running", None)
    if running is not None:
        running.stopping = True
    if running is not None and running.tasks:
        await asyncio.wait(set(running.tasks), timeout=timeout)
    scheduler.shutdown(wait=False)


def _leading(leader: Callable[[], bool] | None, job_id: str, job: Job) -> Job:
    """The job, run only while this process is the leader (scheduler.leadership); counted."""

    @functools.wraps(job)
    async def run(*args: Any, **kwargs: Any) -> Any:
        if leader is not None and not leader():
            PLANNER_RUNS.labels(job_id, "skipped").inc()
            return None
        try:
            result = await job(*args, **kwargs)
        except Exception:
            PLANNER_RUNS.labels(job_id, "failed").inc()
            raise
        PLANNER_RUNS.labels(job_id, "ok").inc()
        return result

    return run


LEADER_JOBS = ("maintenance", "reminders", "notices", "digests")


def catch_up(scheduler: AsyncIOScheduler, maintenance: bool = True) -> None:
    """Run the leader's jobs now (this process has just become the leader): the planners catch
    up on what the last leader left, and the maintenance on a night it may have missed."""
    now = datetime.now(BERLIN)
    for job_id in LEADER_JOBS:
        if job_id == "maintenance" and not maintenance:
            continue
        job = scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=now)


def _at(clock: Callable[[], datetime], job: Job) -> Job:
    """The job with `now` read from `clock` at each run (the core's clock, which tests move)."""

    @functools.wraps(job)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await job(*args, now=clock(), **kwargs)

    return run


def build_scheduler(
    sessions: async_sessionmaker[AsyncSession],
    *,
    dispatcher: Dispatcher | None = None,
    retention: Retention = DEFAULT_RETENTION,
    dispatch_every: float = DISPATCH_EVERY,
    planning: Planning = Planning(),
    clock: Callable[[], datetime] = utcnow,
    leader: Callable[[], bool] | None = None,
) -> AsyncIOScheduler:
    """`leader`: whether this process may plan now (scheduler.leadership); None: always. Every
    process dispatches; only the leader plans and runs the maintenance."""
    scheduler = AsyncIOScheduler(timezone=BERLIN)
    running = scheduler.nahbar_running = _Running()
    scheduler.add_job(
        running.wrap(_leading(leader, "maintenance", _at(clock, run_maintenance))),
        CronTrigger(hour=3, minute=30, timezone=BERLIN),
        args=[sessions],
        kwargs={"retention": retention},
        id="maintenance",
        **JOB_DEFAULTS,
    )
    # The planners run once at start (catching up after downtime), then every few minutes.
    start = datetime.now(BERLIN)
    for job_id, job, every, kwargs in (
        ("reminders", run_reminders, planning.reminders_every, {"planning": planning}),
        ("notices", run_notices, planning.notices_every, {}),
        ("digests", run_digests, planning.digests_every, {"planning": planning}),
    ):
        scheduler.add_job(
            running.wrap(_leading(leader, job_id, _at(clock, job))),
            IntervalTrigger(seconds=every.total_seconds(), timezone=BERLIN),
            args=[sessions],
            kwargs=kwargs,
            id=job_id,
            next_run_time=start,
            **JOB_DEFAULTS,
        )
    if dispatcher is not None:
        scheduler.add_job(
            running.wrap(dispatch),
            IntervalTrigger(seconds=dispatch_every, timezone=BERLIN),
            args=[dispatcher, max(0.5, dispatch_every - 0.5), running],
            id="dispatcher",
            next_run_time=datetime.now(BERLIN),  # what became due while we were down goes first
            # Twice at once: the second finds a backlog being sent and returns (`dispatch`).
            **{
                **JOB_DEFAULTS,
                "misfire_grace_time": max(1, int(dispatch_every)),
                "max_instances": 2,
            },
        )
    return scheduler
