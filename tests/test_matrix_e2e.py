"""The Matrix bot against a real Synapse on 127.0.0.1: residents with real Matrix clients.

Each test registers its own accounts on the session's homeserver (`synapse` fixture) and runs
the real bot (`nahbar` fixture: bot.matrix.MatrixBot over bot.app.open_app, SQLite, demo
offers) in this process; `resident` is a person with a real nio client (tests/synapse.py).

A new conversation is a few lines; more people are `MatrixResident.create(synapse, tmp_path,
"organiser")`, the core's clock is `NahbarOnMatrix(..., clock=lambda: now)`:

    async def test_an_organiser_posts_an_offer(nahbar, resident):
        await resident.open_dm(nahbar.user_id)              # add encrypted=True for e2e
        await resident.wait_for_reply()                      # the welcome
        question = await resident.ask("!neu")                # the next message from the bot
        preview = await resident.ask("Adventscafé", lambda m: "Vorschau" in m.body)
        published = await resident.choose(preview, "Veröffentlichen")  # types its number
        assert "veröffentlicht" in published.body
"""

from __future__ import annotations

import asyncio
import shutil

import pytest

from handlers.messages import Reply
from scheduler.delivery import Unreachable

from .synapse import MatrixResident, NahbarOnMatrix

WERNIGERODE = (51.8365, 10.7822)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_a_resident_finds_an_offer_by_place_and_location(nahbar, resident, encrypted):
    await resident.open_dm(nahbar.user_id, encrypted=encrypted)
    welcome = await resident.wait_for_reply()
    assert welcome.msgtype == "m.notice"
    assert "willkommen" in welcome.body.lower(), welcome.body

    listing = await resident.ask("Wernigerode", lambda m: "Treffen bei" in m.body)
    assert listing.msgtype == "m.notice"
    assert listing.content["format"] == "org.matrix.custom.html"
    assert "<b>" in listing.html and "<b>" not in listing.body
    assert listing.number_of("Adventscafé") == 1 or "Adventscafé" in str(listing.choices())

    detail = await resident.choose(listing, "Adventscafé")
    assert "Adventscafé" in detail.body and "Treffen bei" not in detail.body

    calendar_file = await resident.choose(detail, "Kalender", lambda m: m.msgtype == "m.file")
    assert calendar_file.content["filename"].endswith(".ics")
    assert ("file" in calendar_file.content) == encrypted  # encrypted rooms get encrypted files
    ics = await resident.download(calendar_file)
    assert b"BEGIN:VEVENT" in ics and b"Adventscaf" in ics

    place = await resident.choose(detail, "Ort", lambda m: m.msgtype == "m.location")
    assert place.content["geo_uri"].startswith("geo:51.8")

    await resident.send_location(*WERNIGERODE)
    nearby = await resident.wait_for_reply(lambda m: "Treffen bei" in m.body)
    assert nearby.choices(), nearby.html


def _count(resident: MatrixResident, text: str) -> int:
    return sum(text in m.body for m in resident.inbox)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_after_a_restart_nothing_is_answered_twice_and_nothing_is_lost(
    nahbar, resident, encrypted
):
    await resident.open_dm(nahbar.user_id, encrypted=encrypted)
    await resident.wait_for_reply()
    await resident.ask("Wernigerode", lambda m: "Treffen bei" in m.body)
    device = nahbar.bot.client.device_id

    await nahbar.stop()
    await resident.say("Quedlinburg")  # written while the bot is down
    await nahbar.start()
    assert nahbar.bot.client.device_id == device, "a restart must keep the device (and its keys)"

    late = await resident.wait_for_reply(lambda m: "Treffen bei" in m.body)
    assert "Quedlinburg" in late.body, late.body
    await resident.ask("hilfe", lambda m: "So geht" in m.body)
    # The room is answered in order, so a repeated answer would have come before the help.
    assert _count(resident, "willkommen") == 1, resident.describe()
    assert _count(resident, "Treffen bei Wernigerode") == 1, resident.describe()
    assert _count(resident, "Treffen bei Quedlinburg") == 1, resident.describe()


async def test_a_new_store_does_not_answer_the_history_of_its_rooms(nahbar, resident):
    await resident.open_dm(nahbar.user_id)
    await resident.wait_for_reply()
    await resident.say("Wernigerode")
    await resident.wait_for_reply(lambda m: "Treffen bei" in m.body)
    await nahbar.stop()
    shutil.rmtree(nahbar.workdir / "store")  # a new device, no sync token: all of it is history

    await nahbar.start()
    await resident.ask("hilfe", lambda m: "So geht" in m.body)
    assert _count(resident, "Treffen bei") == 1, resident.describe()
    assert _count(resident, "willkommen") == 1, resident.describe()


async def test_notices_edits_and_unknown_commands(nahbar, resident):
    await resident.open_dm(nahbar.user_id)
    await resident.wait_for_reply()
    # Another bot's notice, and an edit of an earlier message: neither is answered.
    await resident._send({"msgtype": "m.notice", "body": "Wernigerode"})
    original = await resident.say("Halberstadt")
    await resident.wait_for_reply(lambda m: "Halberstadt" in m.body)
    await resident._send(
        {
            "msgtype": "m.text",
            "body": "* Quedlinburg",
            "m.new_content": {"msgtype": "m.text", "body": "Quedlinburg"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": original},
        }
    )
    # Commands start with "!" (or "/"); an unknown one gets a friendly hint.
    unknown = await resident.ask("!gibtsnicht")
    assert "/hilfe" in unknown.body or "!hilfe" in unknown.body, unknown.body
    help_text = await resident.ask("!hilfe")
    assert "So geht" in help_text.body
    assert _count(resident, "Treffen bei Wernigerode") == 0, resident.describe()
    assert _count(resident, "Treffen bei Quedlinburg") == 0, resident.describe()


async def test_a_resident_who_leaves_is_unreachable(nahbar, resident):
    room_id = await resident.open_dm(nahbar.user_id)
    await resident.wait_for_reply()
    await resident.leave()
    await _eventually(lambda: room_id not in nahbar.bot.client.rooms, "the bot to leave too")
    with pytest.raises(Unreachable):
        await nahbar.bot.messenger.deliver(room_id, [Reply("⏰ Erinnerung: Adventscafé")])


@pytest.mark.parametrize(
    ("allowed", "joins"), [("elsewhere.example", False), ("elsewhere.example, NAHBAR.test", True)]
)
async def test_invites_only_from_allowed_servers(synapse, resident, tmp_path, allowed, joins):
    bot = NahbarOnMatrix(
        synapse, await synapse.register("nahbar"), tmp_path / "bot", MATRIX_ALLOWED_SERVERS=allowed
    )
    await bot.start()
    try:
        response = await resident.client.room_create(is_direct=True, invite=[bot.user_id])
        room_id = response.room_id

        await resident.wait_until(
            lambda: resident.membership(bot.user_id, room_id) in ("join", "leave"),
            what="the bot to answer the invite",
        )
        assert resident.membership(bot.user_id, room_id) == ("join" if joins else "leave")
    finally:
        await bot.stop()


async def _eventually(condition, what: str, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_a_burst_written_while_the_bot_was_down_is_answered_whole(nahbar, resident):
    await resident.open_dm(nahbar.user_id)
    await resident.wait_for_reply()
    await nahbar.stop()
    # More than a homeserver's default timeline of 10 events per sync.
    for n in range(25):
        await resident.say(f"!hilfe {n}")
    resident.cursor = 1  # everything after the welcome
    await nahbar.start()
    for _ in range(25):
        await resident.wait_for_reply(lambda m: "So geht" in m.body)
    assert _count(resident, "So geht") == 25


async def test_a_slow_answer_in_one_room_does_not_hold_up_the_others(
    nahbar, resident, synapse, tmp_path
):
    neighbour = await MatrixResident.create(synapse, tmp_path, "neighbour")
    try:
        await resident.open_dm(nahbar.user_id)
        await neighbour.open_dm(nahbar.user_id)
        await resident.wait_for_reply()
        await neighbour.wait_for_reply()
        core, release = nahbar.bot.core, asyncio.Event()

        class SlowForTheResident:  # the core, stuck on the resident's message until released
            default_language = core.default_language

            async def handle(self, message):
                if message.user_id == resident.user_id:
                    await release.wait()
                return await core.handle(message)

        nahbar.bot.core = SlowForTheResident()
        await resident.say("Wernigerode")
        await neighbour.ask("Quedlinburg", lambda m: "Treffen bei Quedlinburg" in m.body)
        assert _count(resident, "Treffen bei") == 0
        release.set()
        await resident.wait_for_reply(lambda m: "Treffen bei Wernigerode" in m.body)
    finally:
        await neighbour.stop()


async def test_an_access_token_login_keeps_its_device_and_reads_encrypted_rooms(
    synapse, resident, tmp_path
):
    account = await synapse.register("nahbar")
    bot = NahbarOnMatrix(
        synapse,
        account,
        tmp_path / "bot",
        MATRIX_PASSWORD="",
        MATRIX_ACCESS_TOKEN=account.access_token,
    )
    await bot.start()
    try:
        assert bot.bot.client.device_id == account.device_id
        await resident.open_dm(bot.user_id, encrypted=True)
        await resident.wait_for_reply()
        await bot.stop()
        await bot.start()
        await resident.ask("Halberstadt", lambda m: "Treffen bei Halberstadt" in m.body)
    finally:
        await bot.stop()


async def test_a_revoked_session_logs_in_again_as_the_same_device(nahbar, resident, synapse):
    await resident.open_dm(nahbar.user_id)
    await resident.wait_for_reply()
    device, token = nahbar.bot.client.device_id, nahbar.bot.client.access_token

    async def published_keys():
        answer = await synapse.call(
            "POST",
            "/_matrix/client/v3/keys/query",
            {"device_keys": {nahbar.user_id: [device]}},
            token=resident.account.access_token,
        )
        return answer["device_keys"].get(nahbar.user_id, {}).get(device, {}).get("keys")

    keys = await published_keys()
    assert keys

    await nahbar.stop()
    # A logout deletes the device on the homeserver, its published keys with it.
    await synapse.call("POST", "/_matrix/client/v3/logout", {}, token=token)
    assert await published_keys() is None
    await nahbar.start()
    assert nahbar.bot.client.device_id == device and nahbar.bot.client.access_token != token
    await resident.ask("Thale", lambda m: "Treffen bei Thale" in m.body)
    # The same device keys are published again, so encrypted rooms keep working.
    assert await published_keys() == keys


async def test_a_refused_access_token_fails_the_platform(synapse, tmp_path):
    from bot.app import PlatformFailed

    account = await synapse.register("nahbar")
    bot = NahbarOnMatrix(
        synapse,
        account,
        tmp_path / "bot",
        MATRIX_PASSWORD="",
        MATRIX_ACCESS_TOKEN="syt_not_a_real_token",
    )
    await bot.start(wait=False)
    try:
        failure = await asyncio.wait_for(bot.bot.failed, 20)
        assert isinstance(failure, PlatformFailed) and failure.exit_code == 3
        assert "MATRIX_ACCESS_TOKEN" in str(failure) and "syt_not" not in str(failure)
    finally:
        await bot.stop()


async def test_a_new_resident_writes_whole_sentences(nahbar, resident):
    """Issue 13, tried as a new user: sentences, not keywords, in German and in English."""
    await resident.open_dm(nahbar.user_id)
    await resident.wait_for_reply()  # the welcome
    listing = await resident.ask(
        "Hallo, ich wohne in Stendal und suche etwas für Senioren",
        lambda m: "Treffen bei" in m.body or "verstanden" in m.body,
    )
    assert (
        "Treffen bei Stendal" in listing.body and "Vorlesen für Groß und Klein" in listing.body
    ), listing.body
    offer = await resident.ask(
        "hi, any events near Halle this weekend?", lambda m: "Shall I write in English" in m.body
    )
    assert any(
        "Meetings near Halle (Saale)" in m.body and "at the weekend" in m.body
        for m in resident.inbox
    )
    assert not any("nicht verstanden" in m.body for m in resident.inbox)
    switched = await resident.choose(offer, "Yes, please")
    assert "I will speak English with you" in switched.body, switched.body
