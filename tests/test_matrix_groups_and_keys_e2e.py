"""The Matrix bot against a real Synapse: a message whose room key comes late is answered once
the key is there (once, also across a restart), and in a group room only commands, mentions and
replies to the bot are answered, while the weekly post is set with buttons and words."""

from __future__ import annotations

import asyncio
import sqlite3

from nio import RoomCreateResponse, ShareGroupSessionResponse

from .synapse import STEP_TIMEOUT, MatrixResident, Received


class HeldKeys:
    """A resident's device that shares its room keys late: the to-device messages carrying
    them are kept back until `release()` (as a phone that was offline would send them)."""

    def __init__(self, person: MatrixResident) -> None:
        self.client = person.client
        self.original = self.client._send
        self.held: list[tuple] = []
        self.client._send = self._send

    async def _send(self, response_class, method, path, data=None, response_data=None, **kwargs):
        if response_class is ShareGroupSessionResponse:
            self.held.append((response_class, method, path, data, response_data, kwargs))
            return ShareGroupSessionResponse.from_dict({}, *response_data)
        return await self.original(response_class, method, path, data, response_data, **kwargs)

    async def release(self) -> None:
        self.client._send = self.original
        for response_class, method, path, data, response_data, kwargs in self.held:
            response = await self.original(
                response_class, method, path, data, response_data, **kwargs
            )
            assert isinstance(response, ShareGroupSessionResponse), response
        self.held.clear()


def _sealed(nahbar) -> list[tuple]:
    with sqlite3.connect(nahbar.workdir / "nahbar.sqlite3") as db:
        return db.execute(
            "SELECT event_id, sealed IS NOT NULL, answered_at IS NOT NULL FROM inbox "
            "WHERE sealed IS NOT NULL"
        ).fetchall()


def _count(person: MatrixResident, words: str) -> int:
    return sum(words in m.body for m in person.inbox)


async def _quiet(seconds: float = 3) -> None:
    await asyncio.sleep(
        seconds
    )  # the bot would have answered by now (it answers in well under a second)


async def test_a_message_whose_room_key_comes_late_is_answered_once_it_comes(nahbar, resident):
    await resident.open_dm(nahbar.user_id, encrypted=True)
    welcome = await resident.wait_for_reply()
    assert (
        "In Element tippen Sie neben dem Eingabefeld auf „+“ und dann auf „Standort“."
        in welcome.body
    )
    assert "Mit /neu bieten Sie Ihr Treffen" in welcome.body
    keys = HeldKeys(resident)
    await resident.say("Wernigerode")
    assert keys.held, "the resident's device shared no room key"
    await resident.wait_until(lambda: _sealed(nahbar), what="the bot to keep the sealed message")
    await _quiet()
    assert _count(resident, "Treffen bei") == 0, resident.describe()  # it cannot read it yet

    await keys.release()
    answer = await resident.wait_for_reply(lambda m: "Treffen bei" in m.body)
    assert "Wernigerode" in answer.body
    await resident.ask(
        "hilfe", lambda m: "So geht" in m.body
    )  # answered in order: a repeat would be here
    assert _count(resident, "Treffen bei Wernigerode") == 1, resident.describe()
    assert _sealed(nahbar) == []


async def test_a_late_key_that_comes_while_the_bot_is_down_is_used_after_the_restart(
    nahbar, resident
):
    await resident.open_dm(nahbar.user_id, encrypted=True)
    await resident.wait_for_reply()
    keys = HeldKeys(resident)
    await resident.say("Quedlinburg")
    await resident.wait_until(lambda: _sealed(nahbar), what="the bot to keep the sealed message")
    await nahbar.stop()
    await keys.release()  # the key waits on the homeserver for the bot's device
    await nahbar.start()
    await resident.wait_for_reply(lambda m: "Treffen bei Quedlinburg" in m.body)

    await nahbar.stop()  # and a further restart answers nothing again
    await nahbar.start()
    await resident.ask("hilfe", lambda m: "So geht" in m.body)
    assert _count(resident, "Treffen bei Quedlinburg") == 1, resident.describe()
    assert _sealed(nahbar) == []


async def _group(nahbar, admin: MatrixResident, member: MatrixResident) -> str:
    """A room of three: `admin` made it (power level 100), `member` and the bot joined."""
    response = await admin.client.room_create(
        name="Dorfgruppe", invite=[nahbar.user_id, member.user_id]
    )
    assert isinstance(response, RoomCreateResponse), response
    room_id = admin.room_id = member.room_id = response.room_id
    await admin.wait_until(
        lambda: admin.membership(nahbar.user_id) == "join", what="the bot to join"
    )
    joined = await member.client.join(room_id)
    assert not hasattr(joined, "status_code"), joined
    await admin.wait_until(
        lambda: admin.membership(member.user_id) == "join", what="the member to join"
    )
    return room_id


def _from_bot(person: MatrixResident, nahbar, since: int) -> list[Received]:
    return [m for m in person.inbox[since:] if m.sender == nahbar.user_id]


async def test_in_a_group_room_only_commands_mentions_and_replies_are_answered(
    nahbar, resident, synapse, tmp_path
):
    member = await MatrixResident.create(synapse, tmp_path, "nachbar")
    try:
        await _group(nahbar, resident, member)
        greeting = await resident.wait_for_reply(
            lambda m: "willkommen" in m.body.lower()
        )  # on joining
        assert (
            "Standort" not in greeting.body
        )  # a group room: the bot would not read a shared location
        mark = len(resident.inbox)
        await member.say("Hallo zusammen, wer kommt morgen mit zum Kaffee?")
        await member.say("Wernigerode")
        other = await member.say("Ich komme gern!")
        await resident._send(
            {
                "msgtype": "m.text",
                "body": "Ich auch",  # a reply, but not to the bot
                "m.relates_to": {"m.in_reply_to": {"event_id": other}},
            }
        )
        await _quiet()
        post = await resident.ask("!wochenpost Wernigerode", lambda m: "Wochenpost" in m.body)
        assert _from_bot(resident, nahbar, mark) == [post], (
            resident.describe()
        )  # nothing else answered
        assert (
            "Ab jetzt kommt die Wochenpost" in post.body
            and "jeden Montag um 09:00 Uhr" in post.body
        )

        await member.say("!wochenpost dienstags")  # a member may not change it
        refused = await resident.wait_for_reply(lambda m: "nur die Admins" in m.body)
        assert refused.sender == nahbar.user_id
        # The admin's reply to the bot's message with a number presses that button: the day.
        tuesday = str(post.number_of("Di."))
        await resident._send(
            {
                "msgtype": "m.text",
                "body": tuesday,
                "m.relates_to": {"m.in_reply_to": {"event_id": post.event_id}},
            }
        )
        changed = await resident.wait_for_reply(lambda m: "jeden Dienstag" in m.body)
        # Words after the command change the rest.
        words = await resident.ask("!wochenpost 18 Uhr 25 km", lambda m: "Wochenpost" in m.body)
        assert "25 km um Wernigerode jeden Dienstag um 18:00 Uhr" in words.body

        # A mention is meant for the bot, and its name is not part of the question.
        name = nahbar.user_id[1:].split(":")[0]
        await member._send(
            {
                "msgtype": "m.text",
                "body": f"{name}: Quedlinburg",
                "m.mentions": {"user_ids": [nahbar.user_id]},
            }
        )
        found = await resident.wait_for_reply(lambda m: "Treffen bei" in m.body)
        assert "Quedlinburg" in found.body

        # After a restart the bot no longer remembers its messages: the homeserver tells it.
        await nahbar.stop()
        await nahbar.start()
        mark = len(resident.inbox)
        await member._send(
            {
                "msgtype": "m.text",
                "body": "Danke!",
                "m.relates_to": {"m.in_reply_to": {"event_id": other}},
            }
        )
        await resident._send(
            {
                "msgtype": "m.text",
                "body": "!hilfe",
                "m.relates_to": {"m.in_reply_to": {"event_id": changed.event_id}},
            }
        )
        await resident.wait_for_reply(lambda m: "So geht" in m.body)
        await member._send(
            {
                "msgtype": "m.text",
                "body": "hilfe",
                "m.relates_to": {"m.in_reply_to": {"event_id": found.event_id}},
            }
        )
        await resident.wait_until(
            lambda: len(_from_bot(resident, nahbar, mark)) == 2,
            STEP_TIMEOUT,
            "the answer to a reply to a message from before the restart",
        )
        assert [("So geht" in m.body) for m in _from_bot(resident, nahbar, mark)] == [True, True]
    finally:
        await member.stop()
