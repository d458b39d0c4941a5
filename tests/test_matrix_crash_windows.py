"""The moments a crash can hit, each held open on purpose: the bot in this process against a real
Synapse is stopped right there, with what is on disk at that moment, and started again.

- nio has saved the sync token, the batch is not in the inbox yet: the next start syncs from the
  database's position, so the message comes again and is answered;
- the message is in the inbox but not answered: the next start answers it;
- the bot joined a room but the sync showing the join was not stored: the greeting still comes;
- the database is briefly unavailable: the sync waits, nothing is lost;
- the homeserver does not take an answer: it waits in the outbox.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from models import inbox, utcnow
from models.db import create_engine, session_factory
from models.inbox import InboxMessage, Received

from .synapse import MatrixResident, NahbarOnMatrix


@asynccontextmanager
async def database(bot: NahbarOnMatrix):
    """The bot's database while the bot is stopped."""
    engine = create_engine(bot.env["DATABASE_URL"])
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def count(resident: MatrixResident, text: str) -> int:
    return sum(text in m.body for m in resident.inbox)


async def welcomed(nahbar: NahbarOnMatrix, resident: MatrixResident) -> None:
    await resident.open_dm(nahbar.user_id)
    await resident.wait_for_reply(lambda m: "willkommen" in m.body.lower())


def hold_batches(bot, with_messages: asyncio.Event):
    """Make the bot stop for good just before it stores a batch with messages (as if the
    process died there); empty batches go through."""
    take_in = bot._take_in

    async def held(session, received, token):
        if received:
            with_messages.set()
            await asyncio.Event().wait()  # never: the "crash" (bot.stop) cancels it
        return await take_in(session, received, token)

    bot._take_in = held


async def test_a_crash_after_nio_saved_its_token_but_before_the_inbox_loses_nothing(
    nahbar, resident
):
    await welcomed(nahbar, resident)
    reached = asyncio.Event()
    hold_batches(nahbar.bot, reached)
    await resident.say("Quedlinburg")
    await asyncio.wait_for(reached.wait(), 20)
    client = nahbar.bot.client
    async with nahbar.app.sessions() as session:
        stored = await inbox.position(session, nahbar.bot.account)
    # The window is real: nio has already saved the position after the message.
    assert client.store.load_sync_token() == client.next_batch != stored

    await nahbar.stop()
    await nahbar.start()
    await resident.wait_for_reply(lambda m: "Treffen bei Quedlinburg" in m.body)
    await resident.ask("!hilfe", lambda m: "So geht" in m.body)
    assert count(resident, "Treffen bei Quedlinburg") == 1, resident.describe()
    assert count(resident, "willkommen") == 1, resident.describe()


async def test_a_message_stored_but_not_answered_is_answered_after_the_restart(
    nahbar, resident, monkeypatch
):
    import bot.matrix.bot as matrix_bot

    await welcomed(nahbar, resident)
    core, entered = nahbar.bot.core, asyncio.Event()

    class Stuck:  # the core never finishes this answer: the "crash" (bot.stop) cuts it off
        default_language = core.default_language

        async def handle(self, message):
            entered.set()
            await asyncio.Event().wait()

    nahbar.bot.core = Stuck()
    monkeypatch.setattr(matrix_bot, "DRAIN_TIMEOUT_S", 0.1)
    await resident.say("Halberstadt")
    await asyncio.wait_for(entered.wait(), 20)
    await nahbar.stop()
    async with database(nahbar) as sessions, sessions() as session:
        [row] = await session.scalars(
            select(InboxMessage).where(InboxMessage.text == "Halberstadt")
        )
        assert row.answered_at is None

    await nahbar.start()
    await resident.wait_for_reply(lambda m: "Treffen bei Halberstadt" in m.body)
    await resident.ask("!hilfe", lambda m: "So geht" in m.body)
    assert count(resident, "Treffen bei Halberstadt") == 1, resident.describe()
    async with nahbar.app.sessions() as session:
        rows = list(await session.scalars(select(InboxMessage)))
    assert rows and all(r.answered_at is not None and r.text is None for r in rows)


async def test_left_over_messages_older_than_a_day_are_not_answered(nahbar, resident):
    await welcomed(nahbar, resident)
    await nahbar.stop()
    chat = f"matrix:{resident.room_id}"
    async with database(nahbar) as sessions, sessions() as session, session.begin():
        await inbox.receive(
            session,
            "matrix:someone-else",
            "s",
            [
                Received("$stale", chat, resident.user_id, utcnow() - timedelta(hours=25), "Thale"),
                Received(
                    "$recent", chat, resident.user_id, utcnow() - timedelta(hours=23), "Zeitz"
                ),
            ],
        )

    await nahbar.start()
    await resident.wait_for_reply(lambda m: "Treffen bei Zeitz" in m.body)
    await resident.ask("!hilfe", lambda m: "So geht" in m.body)
    assert count(resident, "Treffen bei Thale") == 0, resident.describe()


async def test_the_greeting_survives_a_crash_between_joining_and_storing(
    synapse, resident, tmp_path
):
    bot = NahbarOnMatrix(synapse, await synapse.register("nahbar"), tmp_path / "bot")
    await bot.start()
    try:
        reached = asyncio.Event()
        hold_batches(bot.bot, reached)  # the batch with the bot's own join is never stored
        await resident.open_dm(bot.user_id)
        await asyncio.wait_for(reached.wait(), 20)
        await bot.stop()
        await bot.start()
        await resident.wait_for_reply(lambda m: "willkommen" in m.body.lower())
        await resident.ask("!hilfe", lambda m: "So geht" in m.body)
        assert count(resident, "willkommen") == 1, resident.describe()
    finally:
        await bot.stop()


async def test_a_database_hiccup_holds_the_sync_and_loses_nothing(nahbar, resident, monkeypatch):
    import bot.matrix.bot as matrix_bot

    await welcomed(nahbar, resident)
    failures = []
    receive = inbox.receive

    async def flaky(session, account, token, received):
        if received and len(failures) < 2:
            failures.append(token)
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return await receive(session, account, token, received)

    monkeypatch.setattr(matrix_bot.inbox, "receive", flaky)
    await resident.ask("Thale", lambda m: "Treffen bei Thale" in m.body)
    assert len(failures) == 2
    await resident.ask("!hilfe", lambda m: "So geht" in m.body)
    assert count(resident, "Treffen bei Thale") == 1, resident.describe()


async def test_an_answer_the_homeserver_did_not_take_goes_out_through_the_outbox(
    nahbar, resident, monkeypatch
):
    import bot.matrix.send as matrix_send
    from models.outbox import OutboxMessage
    from scheduler.delivery import TransientError

    await welcomed(nahbar, resident)
    send_outgoing, failed = matrix_send.send_outgoing, []

    async def down_once(client, room, item):
        if not failed:
            failed.append(item)
            raise TransientError("the homeserver is down")
        return await send_outgoing(client, room, item)

    monkeypatch.setattr(matrix_send, "send_outgoing", down_once)
    event_id = await resident.say("Thale")

    async def answered():
        async with nahbar.app.sessions() as session:
            return await session.scalar(
                select(InboxMessage.answered_at).where(InboxMessage.event_id == event_id)
            )

    for _ in range(200):  # handed over: to the outbox, since the homeserver did not take it
        if await answered():
            break
        await asyncio.sleep(0.1)
    assert await answered()
    async with nahbar.app.sessions() as session:
        [row] = await session.scalars(select(OutboxMessage))
    assert row.key == f"reply:matrix:{event_id}" and row.chat == f"matrix:{resident.room_id}"

    assert await nahbar.app.dispatcher(nahbar.messenger).run_once() == 1
    await resident.wait_for_reply(lambda m: "Treffen bei Thale" in m.body)
    await resident.ask("!hilfe", lambda m: "So geht" in m.body)
    assert count(resident, "Treffen bei Thale") == 1, resident.describe()
