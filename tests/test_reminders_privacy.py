"""What /meinedaten says about reminders, answers, digests and alerts, and that /loeschen takes
all of them (and nobody else's)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.messages import Incoming
from models import Base, OutboxMessage
from models.digests import Alert, Digest
from models.reminders import Attendance, Reminder
from scheduler import run_reminders

from .support import ChatDriver, add_offer

MINE = (Reminder, Attendance, Digest, Alert)


async def _everything_subscribed(sessions, places, now, offer_id: int, user: str) -> ChatDriver:
    chat = ChatDriver(sessions, places, now, user=user, platform="telegram")
    await chat.say("Wernigerode")
    await chat.press("Als Heimatort merken")
    await chat.say(f"/start offer_{offer_id}")
    await chat.press("Erinnern")
    await chat.press("Jedes Mal")
    await chat.press("Beides")
    await chat.send_button(
        f"ry:{offer_id}.{int(datetime(2026, 12, 1, 14, tzinfo=UTC).timestamp())}"
    )
    assert "bis dann" in chat.text
    await chat.send_button("dg:on")
    await chat.send_button("al:on")
    return chat


async def _counts(sessions) -> dict[str, set]:
    async with sessions() as session:
        return {
            model.__tablename__: {
                row.chat if hasattr(row, "chat") else row.user_id
                for row in await session.scalars(select(model))
            }
            for model in MINE
        }


async def test_my_data_describes_reminders_answers_digest_and_alerts(sessions, places, now):
    offer = await add_offer(
        sessions, now, rrule="FREQ=WEEKLY;BYDAY=TU", starts_local=datetime(2026, 12, 1, 15)
    )
    chat = await _everything_subscribed(sessions, places, now, offer.id, "4711")
    await chat.say("/meinedaten")
    for line in [
        "🔔 Erinnerungen, um die Sie gebeten haben (mit dem Chat, in den sie gehen): 1",
        "🙋 Ihre Antworten „Ich komme“ / „Diesmal nicht“ auf Erinnerungen: 1",
        "📬 Wochenpost: an",
        "🆕 Meldungen über neue Angebote: an",
    ]:
        assert line in chat.text, line


async def test_deleting_my_data_takes_my_reminders_answers_digest_alerts_and_queued_messages(
    sessions, places, now
):
    offer = await add_offer(
        sessions, now, rrule="FREQ=WEEKLY;BYDAY=TU", starts_local=datetime(2026, 12, 1, 15)
    )
    me = await _everything_subscribed(sessions, places, now, offer.id, "4711")
    await _everything_subscribed(sessions, places, now, offer.id, "4712")
    await me.core.handle(
        Incoming(
            platform="telegram",
            user_id="4711",
            chat_id="-100",
            text="/wochenpost Thale",
            group=True,
            sender_is_admin=True,
        )
    )
    await run_reminders(sessions, datetime(2026, 11, 30, 8, tzinfo=UTC))
    before = await _counts(sessions)
    assert before["reminders"] == {"telegram:4711", "telegram:4712"}
    assert before["digests"] == {"telegram:4711", "telegram:4712", "telegram:-100"}
    await me.say("/loeschen")
    await me.press("Ja, alles löschen")
    after = await _counts(sessions)
    assert after["reminders"] == {"telegram:4712"} and after["alerts"] == {"telegram:4712"}
    assert after["digests"] == {"telegram:4712", "telegram:-100"}  # the group's stays the group's
    assert len(after["attendance"]) == 1
    async with sessions() as session:
        assert {r.chat for r in await session.scalars(select(OutboxMessage))} == {"telegram:4712"}
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                assert "4711" not in repr(dict(row)), table.name
