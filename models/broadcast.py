"""Weekly posts and alerts within what the messenger lets through.

A bot may send about 30 messages a second; a weekly post to 1,000,000 residents takes 9.3
hours at that rate. So bulk messages (models.outbox.BULK) are not all made due at their slot:
each platform's are lined up one after the other at its bulk rate (`spread`), after whatever
bulk is queued already, so each comes due when there is room for it and time-critical
messages (reminders, change notices, answers) keep the rest of the budget. What cannot go out
before it would be too late is counted, so the planner can warn the operator; `week` projects
the coming week from the subscriptions, for `nahbar outbox plan`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .outbox import BULK, OutboxMessage, OutboxStatus, Outgoing, PausedChat
from .schedule import to_local, to_utc

# Bulk messages per second per platform when the operator says nothing (scheduler.ratelimit:
# 80 % of Telegram's 30 a second); a platform not named is not limited.
DEFAULT_RATES = {"telegram": 24.0, "matrix": 24.0}


_IN_A_RUN = timedelta(seconds=5)  # queued bulk closer than this to the next is one run


def _bulk(platform: str) -> list[ColumnElement[bool]]:
    return [
        OutboxMessage.status == OutboxStatus.QUEUED,
        OutboxMessage.priority == BULK,
        OutboxMessage.chat.like(f"{platform}:%"),
    ]


async def last_bulk_due(
    session: AsyncSession, platform: str, at: datetime | None = None
) -> datetime | None:
    """When the last bulk message queued for this platform is due; with `at`: the last of the
    run of queued bulk going on at `at` (None when none is): a weekly post lined up for a
    later hour does not hold back alerts due before it."""
    if at is None:
        return await session.scalar(select(func.max(OutboxMessage.due_at)).where(*_bulk(platform)))
    last = await session.scalar(
        select(func.max(OutboxMessage.due_at)).where(*_bulk(platform), OutboxMessage.due_at <= at)
    )
    if last is None:
        return None
    following = await session.stream_scalars(
        select(OutboxMessage.due_at)
        .where(*_bulk(platform), OutboxMessage.due_at > last)
        .order_by(OutboxMessage.due_at)
        .execution_options(yield_per=5000)
    )
    async for due in following:  # the run goes on while the next is close behind
        if due - last > _IN_A_RUN:
            break
        last = due
    await following.close()
    return last


async def spread(
    session: AsyncSession, messages: Sequence[Outgoing], rates: Mapping[str, float] = DEFAULT_RATES
) -> tuple[list[Outgoing], int]:
    """The messages, each due at its turn: per platform one after the other at its rate, none
    before its own due time, after the run of bulk queued that is going on then (not after
    bulk lined up for later: both take turns within the rate when they meet). Returns them and
    how many would come due only after they are too late (they are dropped when their turn
    comes)."""
    by_platform: dict[str, list[Outgoing]] = defaultdict(list)
    for message in messages:
        by_platform[message.chat.partition(":")[0]].append(message)
    out: list[Outgoing] = []
    late = 0
    for platform, group in by_platform.items():
        rate = rates.get(platform)
        if not rate:
            out.extend(group)
            continue
        step = timedelta(seconds=1 / rate)
        group = sorted(group, key=lambda m: (m.due_at, m.key))
        queued = await last_bulk_due(session, platform, at=group[0].due_at)
        cursor = queued + step if queued is not None else None
        for message in group:
            due = message.due_at if cursor is None else max(message.due_at, cursor)
            cursor = due + step
            if message.too_late_at is not None and due >= message.too_late_at:
                late += 1
            out.append(replace(message, due_at=due))
    return out, late


@dataclass(frozen=True)
class PlannedSlot:
    """One moment bulk messages start (a weekly-post hour, the daily alerts), as projected."""

    kind: str  # "digest" or "alert"
    starts: datetime  # UTC
    messages: int
    sending_from: datetime
    done_by: datetime
    too_late_at: datetime

    @property
    def fits(self) -> bool:
        return self.done_by <= self.too_late_at


async def week(
    session: AsyncSession,
    now: datetime,
    rate: float,
    alerts_at: time,
    late_after: timedelta = timedelta(hours=12),
    ahead: timedelta = timedelta(hours=1),
) -> list[PlannedSlot]:
    """The next seven days of weekly posts (each subscription at its weekday and hour) and
    daily alerts (every subscriber, at most: only those with news get one), in order, as they
    would go out one after the other at `rate` messages a second, after the bulk queued now
    (which holds the slots of the next `ahead` already)."""
    from .digests import Alert, Digest  # the subscriptions (models.digests imports us)

    digests = (
        await session.execute(
            select(Digest.weekday, Digest.hour, func.count())
            .where(~Digest.chat.in_(select(PausedChat.chat)))
            .group_by(Digest.weekday, Digest.hour)
        )
    ).all()
    alerts = (
        await session.scalar(
            select(func.count()).select_from(Alert).where(~Alert.chat.in_(select(PausedChat.chat)))
        )
        or 0
    )
    today = to_local(now).date()
    slots: list[tuple[datetime, str, int]] = []
    for offset in range(8):
        day: date = today + timedelta(days=offset)
        for weekday, hour, count in digests:
            if weekday == day.weekday():
                slots.append(
                    (
                        to_utc(datetime.combine(day, datetime.min.time().replace(hour=hour))),
                        "digest",
                        count,
                    )
                )
        if alerts:
            slots.append((to_utc(datetime.combine(day, alerts_at)), "alert", alerts))
    horizon = now + timedelta(days=7)
    slots = sorted(s for s in slots if now + ahead < s[0] <= horizon)
    queued = (
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.priority == BULK)
        )
        or 0
    )
    free_from = now + timedelta(seconds=queued / rate)
    planned = []
    for starts, kind, count in slots:
        begin = max(starts, free_from)
        free_from = begin + timedelta(seconds=count / rate)
        planned.append(PlannedSlot(kind, starts, count, begin, free_from, starts + late_after))
    return planned
