"""Weekly posts and alerts within the messenger's limit (models.broadcast): lined up at the
bulk rate after their slot, time-critical messages first, a warning when a week's posts cannot
fit, and `nahbar outbox plan`."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import OutboxMessage, User, utcnow
from models.broadcast import spread, week
from models.digests import Digest, plan_digests
from models.outbox import BULK, URGENT, Outgoing, claim, enqueue

from .test_outbox_cli import nahbar

MONDAY_8 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
SLOT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # the 09:00 weekly post


async def _subscribers(sessions, count: int, hour: int = 9, platform: str = "telegram") -> None:
    async with sessions() as session, session.begin():
        for n in range(count):
            user = User(
                platform=platform,
                platform_id=str(10_000 + n),
                created_at=MONDAY_8,
                last_seen_at=MONDAY_8,
                home_place_name="Wernigerode",
                home_lat=51.83,
                home_lon=10.78,
            )
            session.add(user)
            await session.flush()
            session.add(
                Digest(
                    chat=f"{platform}:{10_000 + n}",
                    user_id=user.id,
                    weekday=0,
                    hour=hour,
                    updated_at=MONDAY_8 - timedelta(days=7),
                )
            )


async def _due_times(sessions) -> list[datetime]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(OutboxMessage.due_at)
                .where(OutboxMessage.kind == "digest")
                .order_by(OutboxMessage.due_at)
            )
        )


async def test_weekly_posts_are_lined_up_at_the_bulk_rate_after_their_slot(sessions):
    await _subscribers(sessions, 50)
    async with sessions() as session, session.begin():
        assert await plan_digests(session, MONDAY_8, {"telegram": 10.0}) == 50
    due = await _due_times(sessions)
    assert due[0] == SLOT
    assert [b - a for a, b in itertools.pairwise(due)] == [timedelta(seconds=0.1)] * 49
    async with sessions() as session:
        assert set(await session.scalars(select(OutboxMessage.priority))) == {BULK}

    # More subscribers later (or another slot): they queue up behind what is waiting.
    await _subscribers_more(sessions)
    async with sessions() as session, session.begin():
        assert (
            await plan_digests(session, MONDAY_8 + timedelta(minutes=10), {"telegram": 10.0}) == 1
        )
    assert (await _due_times(sessions))[-1] == SLOT + timedelta(seconds=5.0)


def _alert(n: int, due: datetime) -> Outgoing:
    return Outgoing(
        key=f"alert-{n}", chat=f"telegram:{20_000 + n}", kind="alert", payload={}, due_at=due
    )


async def test_alerts_due_before_a_weekly_post_lined_up_for_later_are_not_held_back(sessions):
    await _subscribers(sessions, 50)
    async with sessions() as session, session.begin():
        await plan_digests(session, MONDAY_8, {"telegram": 10.0})  # 09:00 to 09:00:04.9
    half_past_8 = SLOT - timedelta(minutes=30)
    async with sessions() as session:
        early, late = await spread(
            session, [_alert(n, half_past_8) for n in range(3)], {"telegram": 10.0}
        )
        during, _ = await spread(
            session, [_alert(9, SLOT + timedelta(seconds=2))], {"telegram": 10.0}
        )
    # Before the weekly post: at once, one after the other at the rate.
    assert [m.due_at for m in early] == [half_past_8 + timedelta(seconds=s) for s in (0, 0.1, 0.2)]
    assert late == 0
    # While it is being sent: after its last message.
    assert [m.due_at for m in during] == [SLOT + timedelta(seconds=5.0)]


async def _subscribers_more(sessions) -> None:
    async with sessions() as session, session.begin():
        user = User(
            platform="telegram", platform_id="99999", created_at=MONDAY_8, last_seen_at=MONDAY_8
        )
        session.add(user)
        await session.flush()
        session.add(
            Digest(
                chat="telegram:99999",
                user_id=user.id,
                weekday=0,
                hour=9,
                updated_at=MONDAY_8 - timedelta(days=7),
            )
        )


async def test_time_critical_messages_go_before_bulk_ones(sessions):
    now = utcnow()
    async with sessions() as session, session.begin():
        await enqueue(
            session,
            *(
                Outgoing(
                    f"post:{n}",
                    f"telegram:{n}",
                    "digest",
                    {},
                    now - timedelta(hours=1),
                    priority=BULK,
                )
                for n in range(5)
            ),
            Outgoing("remind:1", "telegram:77", "remind", {}, now, priority=URGENT),
            now=now,
        )
    async with sessions() as session, session.begin():
        first = await claim(session, now=now, lease=timedelta(seconds=60), limit=2)
    assert [r.key for r in first] == ["remind:1", "post:0"]


async def test_a_week_that_cannot_fit_is_warned_about(sessions, caplog):
    await _subscribers(sessions, 30)
    caplog.set_level(logging.WARNING, "models.digests")
    async with sessions() as session, session.begin():
        await plan_digests(session, MONDAY_8, {"telegram": 0.0005})  # one every 2000 s
    assert "weekly posts: 8 of 30 cannot be sent before they are too late" in caplog.text
    async with sessions() as session:
        slots = await week(
            session, MONDAY_8 - timedelta(days=6), 0.0005, alerts_at=datetime.min.time()
        )
    monday = [s for s in slots if s.kind == "digest"]
    assert monday and not monday[0].fits and monday[0].messages == 30


async def test_outbox_plan_shows_the_week_and_warns(tmp_path):
    from models.db import create_engine, session_factory, upgrade

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'ops.sqlite3'}")
    await upgrade(engine)
    sessions = session_factory(engine)
    await _subscribers(sessions, 40, hour=18)
    await engine.dispose()

    shown = nahbar(tmp_path, "plan")
    assert shown.returncode == 0, shown.stderr
    assert "at 24 messages/s (80% of 30/s" in shown.stdout
    assert "weekly posts        40" in shown.stdout and "yes" in shown.stdout

    slow = nahbar(tmp_path, "plan", env={"TELEGRAM_MESSAGES_PER_SECOND": "0.001"})
    assert slow.returncode == 1
    assert "NO" in slow.stdout and "cannot finish in time" in slow.stderr
