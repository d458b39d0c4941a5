"""Reminders on Matrix against the real Synapse (tests/synapse.py), with the scheduler running
as in `nahbar run`: the planners and the outbox dispatcher go by the core's clock, which the
test moves.

A resident asks for a reminder by typing the numbers of "🔔 Erinnern" and "2 Stunden vorher";
when the clock reaches the reminder's time the planner queues it and the dispatcher sends it to
the DM, an `m.notice` saying what, when and where, with its answers numbered; "Ich komme"
(typed as the number, or as the words) is what the organiser's /meine counts. A resident who
leaves the DM pauses it at once: nothing more is planned or sent there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Occurrence, Offer, OutboxMessage, OutboxStatus
from models.outbox import PausedChat
from models.reminders import REMIND, Attendance
from models.schedule import BERLIN
from scheduler import run_reminders

from .outbox_fakes import Clock
from .synapse import MatrixResident, NahbarOnMatrix
from .test_matrix_e2e import _eventually

FRIDAY = datetime(
    2027, 1, 8, 9, tzinfo=UTC
)  # 10:00 in Berlin: the organiser posts, the resident asks
START = datetime(2027, 1, 12, 14, tzinfo=UTC)  # the next Tuesday, 15:00 in Berlin
TITLE = "Adventscafé im Pfarrhaus"


def _has(text: str):
    return lambda message: text in message.body


async def _reminder_rows(bot: NahbarOnMatrix) -> list[OutboxMessage]:
    async with bot.app.sessions() as session:
        return list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == REMIND))
        )


async def _post_weekly_offer(organiser: MatrixResident) -> None:
    """!neu as a moderator does it: published at once."""
    kinds = await organiser.ask("!neu", _has("Was für ein Treffen ist es?"))
    await organiser.choose(kinds, "Begegnungscafé", _has("Wie heißt es?"))
    await organiser.ask(TITLE, _has("Beschreiben Sie es"))
    await organiser.ask(
        "Kaffee, Kuchen und Gespräche. Alle sind willkommen.", _has("Wann findet es statt?")
    )
    await organiser.ask("jeden Dienstag 15-17 Uhr", _has("Wo findet es statt?"))
    access = await organiser.ask(
        "Pfarrhaus, Kirchstraße 3, 06484 Quedlinburg", _has("Was hilft Menschen")
    )
    await organiser.choose(access, "Spende willkommen", _has("Was hilft Menschen"))
    preview = await organiser.ask(
        "Kirchengemeinde St. Blasii, Telefon 03946 1234", _has("Vorschau")
    )
    await organiser.choose(preview, "Absenden", _has(f"Ihr Angebot „{TITLE}“ ist veröffentlicht"))


async def _ask_for_a_reminder(resident: MatrixResident, place: str, title: str) -> str:
    """Find the offer, then "🔔 Erinnern" → "Jedes Mal" → "2 Stunden vorher", all typed numbers."""
    listing = await resident.ask(place, _has(f"Treffen bei {place}"))
    detail = await resident.choose(listing, title, _has("🔔 Erinnern"))
    which = await resident.choose(detail, "Erinnern", _has("An welche Termine"))
    lead = await resident.choose(which, "Jedes Mal", _has("Wann soll ich Sie"))
    done = await resident.choose(lead, "2 Stunden vorher", _has("✅ Erledigt: Ich erinnere Sie"))
    assert "jedes Mal, 2 Stunden vorher" in done.body, done.body
    assert done.body.startswith("✅ Erledigt"), (
        done.body
    )  # no pop-up line ("Erinnerung gespeichert.") first
    return done.body


@pytest.mark.parametrize(
    ("encrypted", "answer"), [(False, "number"), (True, "words")], ids=["plain", "encrypted"]
)
async def test_a_resident_is_reminded_in_the_dm_and_the_organiser_sees_who_is_coming(
    synapse, resident, tmp_path, encrypted, answer
):
    organiser = await MatrixResident.create(synapse, tmp_path, "organiser")
    clock = Clock(FRIDAY)
    bot = NahbarOnMatrix(
        synapse,
        await synapse.register("nahbar"),
        tmp_path / "bot",
        clock=clock,
        outbox=True,
        NAHBAR_MODERATORS=f"matrix:{organiser.user_id}",
        NAHBAR_DEMO_DATA="false",
        NAHBAR_OUTBOX_EVERY_SECONDS="0.5",
    )
    await bot.start()
    try:
        await organiser.open_dm(bot.user_id)
        await organiser.wait_for_reply(_has("willkommen"))
        await _post_weekly_offer(organiser)
        await resident.open_dm(bot.user_id, encrypted=encrypted)
        await resident.wait_for_reply(_has("willkommen"))

        done = await _ask_for_a_reminder(resident, "Quedlinburg", TITLE)
        assert "Nächste Erinnerung: Di., 12. Jan., 13:00 Uhr." in done
        assert await _reminder_rows(bot) == []  # four days ahead: left to the planner

        # The clock reaches the reminder's time; the planner's five-minute round comes now.
        clock.now = START - timedelta(hours=2) + timedelta(minutes=1)
        bot.scheduler.modify_job("reminders", next_run_time=datetime.now(BERLIN))
        reminder = await resident.wait_for_reply(_has("🔔 Gleich geht es los"))
        assert reminder.msgtype == "m.notice" and reminder.room_id == resident.room_id
        for line in (
            "🔔 Gleich geht es los, um 15:00 Uhr:",
            f"☕ {TITLE}",
            "🗓 Di., 12. Jan., 15:00–17:00 Uhr",
            "📍 Pfarrhaus, Kirchstraße 3, Quedlinburg",
            "Kommen Sie?",
        ):
            assert line in reminder.body, (line, reminder.body)
        assert reminder.choices() == {1: "👍 Ich komme", 2: "Diesmal nicht", 3: "ℹ️ Details"}

        if answer == "number":
            answered = await resident.choose(reminder, "Ich komme", _has("👍 Schön – bis dann!"))
            assert answered.choices()[1] == "✓ 👍 Ich komme"
        else:
            await resident.ask("Ich komme", _has("👍 Schön – bis dann!"))

        mine = await organiser.ask("!meine", _has("Ihre Angebote"))
        view = await organiser.choose(mine, TITLE, _has("Nächster Termin"))
        assert "🙋 Zugesagt: 1 · 🔔 Erinnerungen: 1" in view.body, view.body
        assert resident.user_id not in view.body  # how many, never who

        [row] = await _reminder_rows(bot)
        assert (row.status, row.chat) == (OutboxStatus.SENT, f"matrix:{resident.room_id}")
        async with bot.app.sessions() as session:
            [coming] = (await session.scalars(select(Attendance))).all()
        assert (coming.starts_at, coming.coming) == (START, True)
        assert sum("🔔 Gleich geht es los" in m.body for m in resident.inbox) == 1, (
            resident.describe()
        )
    finally:
        await bot.stop()
        await organiser.stop()


async def _next_start(bot: NahbarOnMatrix, title: str, after: datetime) -> datetime:
    async with bot.app.sessions() as session:
        return await session.scalar(
            select(Occurrence.starts_at)
            .join(Offer, Offer.id == Occurrence.offer_id)
            .where(Offer.title.startswith(title), Occurrence.starts_at > after)
            .order_by(Occurrence.starts_at)
            .limit(1)
        )


async def test_a_resident_who_leaves_the_dm_pauses_their_reminders_at_once(
    synapse, resident, tmp_path
):
    clock = Clock(datetime.now(UTC))
    bot = NahbarOnMatrix(synapse, await synapse.register("nahbar"), tmp_path / "bot", clock=clock)
    await bot.start()  # demo offers, seeded as of today
    try:
        # A day before the example café: the reminder two hours before is queued at once.
        start = await _next_start(bot, TITLE, clock.now + timedelta(days=1))
        clock.now = start - timedelta(days=1)
        room_id = await resident.open_dm(bot.user_id)
        await resident.wait_for_reply(_has("willkommen"))
        await _ask_for_a_reminder(resident, "Wernigerode", TITLE)
        [queued] = await _reminder_rows(bot)
        assert (queued.status, queued.chat) == (OutboxStatus.QUEUED, f"matrix:{room_id}")

        await resident.leave()
        await _eventually(lambda: room_id not in bot.bot.client.rooms, "the bot to leave too")
        async with bot.app.sessions() as session:
            paused = await session.get(PausedChat, f"matrix:{room_id}")
        assert paused is not None and paused.paused_at == clock.now
        [dropped] = await _reminder_rows(bot)
        assert (dropped.id, dropped.status, dropped.reason) == (
            queued.id,
            OutboxStatus.DROPPED,
            "recipient unreachable",
        )
        # Meanwhile the planner queues nothing for that chat: not the café of the week after.
        clock.now = start + timedelta(days=6)
        assert await run_reminders(bot.app.sessions, clock.now) == 0
        assert [r.id for r in await _reminder_rows(bot)] == [queued.id]
    finally:
        await bot.stop()
