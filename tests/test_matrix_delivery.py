"""The Matrix messenger the outbox delivers through, and a homeserver that is down or drops out,
against real Synapse servers on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest
from markupsafe import Markup

from handlers.messages import Attachment, Button, Reply, Venue
from scheduler.delivery import Messenger, RetryAfter, TransientError, Unreachable

from .synapse import MatrixResident, NahbarOnMatrix, start_synapse


async def test_a_reminder_arrives_as_notice_file_and_location(nahbar, resident):
    messenger = nahbar.bot.messenger
    assert isinstance(messenger, Messenger) and messenger.platform == "matrix"
    room_id = await resident.open_dm(nahbar.user_id, encrypted=True)
    await resident.wait_for_reply()  # the welcome
    resident.cursor = len(resident.inbox)

    await messenger.deliver(
        room_id,
        [
            Reply(
                Markup("⏰ <b>Morgen</b>: Adventscafé &amp; Kuchen"),
                buttons=((Button("Erinnerung abbestellen", "x:1"),),),
            ),
            Reply(
                "📅",
                attachment=Attachment(
                    "nahbar-1.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"
                ),
            ),
            Reply("", venue=Venue(51.8352, 10.7853, "Pfarrhaus", "Kirchstraße 1, Wernigerode")),
        ],
    )
    reminder = await resident.wait_for_reply()
    assert reminder.body.startswith("⏰ Morgen: Adventscafé & Kuchen"), reminder.body
    assert "<b>Morgen</b>" in reminder.html
    assert reminder.choices() == {1: "Erinnerung abbestellen"}
    calendar_file = await resident.wait_for_reply(lambda m: m.msgtype == "m.file")
    assert await resident.download(calendar_file) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    place = await resident.wait_for_reply(lambda m: m.msgtype == "m.location")
    assert place.content["geo_uri"] == "geo:51.835200,10.785300"
    assert place.body == "Pfarrhaus, Kirchstraße 1, Wernigerode"


async def test_rate_limits_become_retry_after_and_live_answers_wait(synapse, nahbar, resident):
    room_id = await resident.open_dm(nahbar.user_id)
    await resident.wait_for_reply()
    await synapse.override_ratelimit(nahbar.user_id, per_second=1, burst_count=1)

    async def deliver_ten() -> None:
        for n in range(10):
            await nahbar.bot.messenger.deliver(room_id, [Reply(f"Erinnerung {n}")])

    with pytest.raises(RetryAfter) as limited:
        await deliver_ten()
    assert 0 < limited.value.seconds <= 10

    # A person waiting for an answer still gets it: the live path waits out the limit.
    listing = await resident.ask("Wernigerode", lambda m: "Treffen bei" in m.body)
    assert listing.choices()


async def test_rooms_the_bot_is_not_in_are_unreachable(nahbar):
    with pytest.raises(Unreachable):
        await nahbar.bot.messenger.deliver("!nowhere:nahbar.test", [Reply("Hallo")])


async def test_a_homeserver_down_at_start_and_dropping_out_later(tmp_path):
    server = start_synapse()
    try:
        bot_account = await server.register("nahbar")
        resident = await MatrixResident.create(server, tmp_path)
        server.stop(remove=False)

        # Down at start: the bot keeps trying, deliveries fail as transient, nothing crashes.
        bot = NahbarOnMatrix(server, bot_account, tmp_path / "bot")
        await bot.start(wait=False)
        try:
            with pytest.raises(TransientError):
                await bot.bot.messenger.deliver("!room:nahbar.test", [Reply("Hallo")])
            await asyncio.sleep(1.5)  # a few failed attempts
            assert not bot.bot.failed.done() and not bot.bot.ready.is_set()
            server.start()
            await bot.wait_ready()
            await resident.open_dm(bot.user_id)
            await resident.wait_for_reply()
            await resident.ask("Wernigerode", lambda m: "Treffen bei" in m.body)

            # Drops out and comes back: the bot syncs again and answers what was written.
            server.stop(remove=False)
            await asyncio.sleep(1.5)
            assert not bot.bot.failed.done()
            server.start()
            await resident.ask("Quedlinburg", lambda m: "Treffen bei Quedlinburg" in m.body)
        finally:
            await bot.stop()
            await resident.stop()
    finally:
        server.stop()
