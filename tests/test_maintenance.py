"""The daily job keeps occurrences ahead and forgets what is no longer needed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import Conversation, Occurrence, User
from models.occurrences import HORIZON
from scheduler import build_scheduler, run_maintenance

from .support import add_offer


async def test_horizon_moves_forward_and_ended_occurrences_go(sessions, now):
    await add_offer(
        sessions, now, rrule="FREQ=WEEKLY;BYDAY=TU", starts_local=datetime(2026, 1, 6, 15)
    )
    later = now + timedelta(days=30)
    counts = await run_maintenance(sessions, later)
    assert counts["occurrences_added"] >= 4 and counts["occurrences_purged"] >= 4
    async with sessions() as session:
        first, last = (
            await session.execute(
                select(func.min(Occurrence.starts_at), func.max(Occurrence.starts_at))
            )
        ).one()
        assert first > later - timedelta(days=2)
        assert last > later + HORIZON - timedelta(days=8)
        # Running it again adds nothing: no duplicates.
    assert (await run_maintenance(sessions, later))["occurrences_added"] == 0


async def test_idle_dialogue_state_is_forgotten(sessions, now):
    async with sessions() as session, session.begin():
        user = User(platform="terminal", platform_id="1")
        session.add(user)
        await session.flush()
        session.add(
            Conversation(
                chat="terminal:1",
                user_id=user.id,
                data={"search": {}},
                updated_at=now - timedelta(days=31),
            )
        )
    assert (await run_maintenance(sessions, now))["dialogues_forgotten"] == 1


async def test_scheduler_has_the_daily_job(sessions):
    scheduler = build_scheduler(sessions)
    assert {job.id for job in scheduler.get_jobs()} == {
        "maintenance",
        "reminders",
        "notices",
        "digests",
    }


async def test_long_idle_accounts_are_forgotten_with_everything_about_them(sessions, now):
    from models import Offer

    async with sessions() as session, session.begin():
        idle = User(
            platform="telegram",
            platform_id="1",
            last_seen_at=now - timedelta(days=600),
            home_place_name="Wernigerode",
        )
        active = User(platform="telegram", platform_id="2", last_seen_at=now - timedelta(days=30))
        session.add_all([idle, active])
        await session.flush()
        session.add(Conversation(chat="telegram:1", user_id=idle.id, data={}, updated_at=now))
        idle_id = idle.id
    offer = await add_offer(sessions, now, owner_id=idle_id)
    assert (await run_maintenance(sessions, now))["users_forgotten"] == 1
    async with sessions() as session:
        assert [u.platform_id for u in (await session.scalars(select(User))).all()] == ["2"]
        assert (await session.scalars(select(Conversation))).all() == []
        assert (await session.get(Offer, offer.id)).owner_id is None  # the offer stays, unlinked


async def test_a_dialogue_in_use_is_kept_with_what_the_turn_stored(sessions, places, now):
    from .support import ChatDriver

    chat = ChatDriver(sessions, places, now - timedelta(days=31), user="1")
    await chat.say("Wernigerode")  # a search: its note is stored with the dialogue state
    async with sessions() as session, session.begin():
        convo = await session.scalar(select(Conversation))
        assert "search" in convo.data
        convo.updated_at = now - timedelta(days=31)  # then nobody wrote for a month …
    chat.now = now
    await chat.say("Quedlinburg")  # … until this turn
    assert (await run_maintenance(sessions, now))["dialogues_forgotten"] == 0
    async with sessions() as session:
        convo = await session.scalar(select(Conversation))
        assert "Quedlinburg" in str(convo.data["search"])
