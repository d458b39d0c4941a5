"""What the soak's worker finds in its database, so its planners and its outbox dispatcher
have real work during the run (benchmarks/soak.py).

`prepare` migrates the fresh database and seeds the example offers itself (the worker then
finds a store that is not empty and adds nothing), and adds:

- one-off "soak" gatherings a little more than two hours after the soak's start, one every
  few seconds, so that their "⏰ 2 hours before" reminders come due throughout the run; the
  residents who ask for them during the run (benchmarks/soak.py) are reminded while it runs;
- `subscribers` residents (with a home place) who subscribed to the daily alerts, and to the
  weekly post when the run crosses a whole hour (Berlin): its slot is that hour. The alerts go
  out from NAHBAR_ALERTS_AT (`alerts_at`): from midnight for a run shorter than the digests
  planner's interval (the planner's run at the worker's start queues them), else a few minutes
  into the run (its next run queues them). Bulk messages are lined up after the bulk already
  queued (models.broadcast), so with a weekly post queued at the start the alerts follow it
  at its hour.

`tally` reads back what the outbox did: rows sent, dropped, parked and still queued, by kind.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from models import OutboxMessage, User, utcnow
from models.db import create_engine, session_factory, upgrade
from models.demo import seed_if_empty
from models.digests import Alert, Digest
from models.reminders import HOURS_BEFORE
from models.schedule import to_local, to_utc

PLACES = (
    ("Wernigerode", 51.8365, 10.7822),
    ("Magdeburg", 52.1315, 11.6399),
    ("Halle (Saale)", 51.4825, 11.9697),
    ("Quedlinburg", 51.7890, 11.1413),
)
TITLES = ("Abendspaziergang", "Lesekreis", "Skatrunde", "Chorprobe", "Kaffeeklatsch")
DIGESTS_EVERY = timedelta(minutes=10)  # scheduler.planners.Planning.digests_every


@dataclass(frozen=True)
class Gathering:
    offer: int
    reminder_due: datetime  # UTC: when its "2 hours before" reminder is due


@dataclass(frozen=True)
class World:
    gatherings: list[Gathering]
    subscribers: list[int]  # Telegram chat ids
    alerts_at: str  # NAHBAR_ALERTS_AT for the worker
    weekly_post_at: datetime | None  # UTC: the subscribers' weekly post slot (None: none)


def _alerts_at(now: datetime, seconds: float) -> str:
    if seconds < DIGESTS_EVERY.total_seconds() * 1.2:
        return "00:00"
    local = to_local(now + timedelta(minutes=3))
    if local.date() != to_local(now).date():
        return "00:00"
    return f"{local:%H:%M}"


async def prepare(
    url: str, *, start: datetime, seconds: float, subscribers: int, seed: int
) -> World:
    """`start`: about when the soak's traffic begins (UTC)."""
    from tests.support import add_offer

    rng = random.Random(f"soak-{seed}")
    engine = create_engine(url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = utcnow()
        async with sessions() as session, session.begin():
            await seed_if_empty(session, now)
        gatherings = []
        every = max(5.0, seconds / 90)
        offset = min(15.0, seconds / 5)
        while offset < seconds - 5:
            due = start + timedelta(seconds=offset)
            place, lat, lon = rng.choice(PLACES)
            offer = await add_offer(
                sessions,
                now,
                title=f"{rng.choice(TITLES)} {len(gatherings) + 1}",
                description="Treffpunkt am Marktplatz",
                category="walk",
                place_name=place,
                latitude=lat + rng.uniform(-0.01, 0.01),
                longitude=lon + rng.uniform(-0.01, 0.01),
                starts_local=to_local(due + HOURS_BEFORE).replace(tzinfo=None),
                duration_minutes=90,
            )
            gatherings.append(Gathering(offer.id, due))
            offset += every
        hour = to_local(now).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        slot: datetime | None = to_utc(datetime.combine(hour.date(), time(hour.hour)))
        if slot is not None and slot > start + timedelta(seconds=seconds * 0.8):
            slot = None  # the run ends before it: its posts would hold the alerts back
        chats = list(range(900_000, 900_000 + subscribers))
        async with sessions() as session, session.begin():
            for chat in chats:
                place, lat, lon = rng.choice(PLACES)
                user = User(
                    platform="telegram",
                    platform_id=str(chat),
                    home_place_name=place,
                    home_lat=lat,
                    home_lon=lon,
                    radius_km=15,
                    created_at=now - timedelta(days=30),
                    last_seen_at=now - timedelta(days=1),
                )
                session.add(user)
                await session.flush()
                if slot is not None:
                    session.add(
                        Digest(
                            chat=f"telegram:{chat}",
                            user_id=user.id,
                            weekday=hour.weekday(),
                            hour=hour.hour,
                            updated_at=now - timedelta(days=7),
                        )
                    )
                session.add(
                    Alert(
                        user_id=user.id,
                        chat=f"telegram:{chat}",
                        categories=[],
                        since=now - timedelta(days=1),
                        told=[],
                    )
                )
    finally:
        await engine.dispose()
    return World(gatherings, chats, _alerts_at(start, seconds), slot)


async def tally(url: str) -> dict[str, dict[str, int]]:
    """Outbox rows by kind and status: {"remind": {"sent": 120, ...}, ...}."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage.kind, OutboxMessage.status, func.count()).group_by(
                        OutboxMessage.kind, OutboxMessage.status
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    out: dict[str, dict[str, int]] = {}
    for kind, status, count in rows:
        out.setdefault(kind, {})[getattr(status, "value", str(status))] = count
    return out
