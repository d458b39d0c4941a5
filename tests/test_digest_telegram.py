"""A village's Telegram group and the weekly digest, through the real PTB Application offline:
only commands meant for the bot pass, admins are asked of Telegram (getChatMember, cached)."""

from __future__ import annotations

import itertools
import time

import pytest
from sqlalchemy import select
from telegram import Update

from bot.telegram import build_application
from bot.telegram.admins import GroupAdmins
from bot.telegram.convert import addressed_to
from handlers.core import Nahbar
from handlers.services import Services
from models.digests import Digest

from .telegram_fakes import BOT, RecordingRequest, user

GROUP = -1001234
ADMIN, MEMBER = 501, 502
_ids = itertools.count(90_000)


class GroupRequest(RecordingRequest):
    """Telegram as seen from a group: ADMIN owns it, everybody else is a member."""

    def _result(self, name: str, params: dict):
        if name == "getChatMember":
            user_id = int(params["user_id"])
            if user_id == ADMIN:
                return {"status": "creator", "user": user(user_id), "is_anonymous": False}
            return {"status": "member", "user": user(user_id)}
        return super()._result(name, params)


CHAT = {"id": GROUP, "type": "supergroup", "title": "Dorfgruppe Hasselfelde"}
# Telegram's stand-in sender when an admin writes anonymously, as the group itself.
ANONYMOUS = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


def group_update(text: str, user_id: int | None) -> dict:
    """A message in the group from `user_id`; None: from an admin writing as the group."""
    message = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "text": text,
        "chat": CHAT,
        "from": user(user_id) if user_id is not None else ANONYMOUS,
    }
    if user_id is None:
        message["sender_chat"] = CHAT
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_ids), "message": message}


@pytest.fixture
async def group(sessions, places, now):
    request = GroupRequest()
    application = build_application(
        "123:TEST", Nahbar(sessions, Services(places), clock=lambda: now), request=request
    )
    await application.initialize()
    await application.post_init(application)

    async def say(text: str, user_id: int | None) -> list[str]:
        request.clear()
        await application.process_update(
            Update.de_json(group_update(text, user_id), application.bot)
        )
        return [c.text for c in request.sent("sendMessage")]

    say.request = request
    say.application = application
    yield say
    await application.shutdown()


async def _digests(sessions) -> list[Digest]:
    async with sessions() as session:
        return list(await session.scalars(select(Digest)))


async def test_an_admin_switches_the_group_digest_on_a_member_cannot(group, sessions):
    [answer] = await group("/wochenpost Wernigerode", MEMBER)
    assert "nur die Admins dieser Gruppe" in answer
    assert await _digests(sessions) == []
    [answer] = await group(f"/wochenpost@{BOT['username']} Wernigerode", ADMIN)
    assert "Ab jetzt kommt die Wochenpost" in answer
    [digest] = await _digests(sessions)
    assert digest.chat == f"telegram:{GROUP}"
    asked = [c for c in group.request.calls if c.method == "getChatMember"]
    assert [(int(c.params["chat_id"]), int(c.params["user_id"])) for c in asked] == [(GROUP, ADMIN)]
    sent = group.request.last("sendMessage")
    # Buttons under the message, but no reply keyboard in front of every member.
    assert int(sent.params["chat_id"]) == GROUP and '"keyboard"' not in sent.params.get(
        "reply_markup", ""
    )


async def test_group_chatter_and_other_bots_commands_are_not_answered(group, sessions):
    assert await group("Hallo zusammen, wer kommt morgen zum Kaffee?", MEMBER) == []
    assert await group("Wernigerode", MEMBER) == []
    assert await group("/start@some_other_bot", ADMIN) == []
    assert [c.method for c in group.request.calls if c.method == "getChatMember"] == []
    [answer] = await group("/wochenpost", MEMBER)  # anyone may ask how it stands
    assert "Ein Admin schaltet sie mit /wochenpost und dem Ort ein" in answer


async def test_an_admin_writing_anonymously_as_the_group_is_answered_as_its_admin(group, sessions):
    [answer] = await group("/wochenpost Wernigerode", None)
    assert "Ab jetzt kommt die Wochenpost" in answer
    [answer] = await group("/wochenpost dienstags 18 Uhr", None)
    assert "jeden Dienstag um 18:00 Uhr" in answer
    [digest] = await _digests(sessions)
    assert (digest.chat, digest.weekday, digest.hour) == (f"telegram:{GROUP}", 1, 18)
    assert [
        c for c in group.request.calls if c.method == "getChatMember"
    ] == []  # no one to ask about
    assert await group("Hallo zusammen", None) == []  # only commands, as for everyone
    # Another bot, or a channel writing in the group, is not the group's admin.
    update = group_update("/wochenpost aus", None)
    update["message"]["sender_chat"] = {"id": -100999, "type": "channel", "title": "Ein Kanal"}
    group.request.clear()
    await group.application.process_update(Update.de_json(update, group.application.bot))
    assert group.request.sent("sendMessage") == [] and len(await _digests(sessions)) == 1


def test_commands_addressed_to_the_bot():
    assert addressed_to("/wochenpost Thale", "nahbar_bot")
    assert addressed_to("/wochenpost@Nahbar_Bot Thale", "nahbar_bot")
    assert not addressed_to("/wochenpost@other_bot Thale", "nahbar_bot")
    assert not addressed_to("wochenpost", "nahbar_bot")
    assert not addressed_to("/", "nahbar_bot")
    assert not addressed_to("", "nahbar_bot")


async def test_admin_answers_are_kept_briefly():
    calls = []

    class Bot:
        async def get_chat_member(self, chat_id, user_id):
            calls.append((chat_id, user_id))
            return type("Member", (), {"status": "administrator"})()

    now = [0.0]
    admins = GroupAdmins(keep=60, clock=lambda: now[0])
    assert await admins.is_admin(Bot(), GROUP, ADMIN)
    now[0] = 59
    assert await admins.is_admin(Bot(), GROUP, ADMIN)
    assert len(calls) == 1
    now[0] = 61  # a demoted admin loses the right within a minute
    await admins.is_admin(Bot(), GROUP, ADMIN)
    assert len(calls) == 2


async def test_when_telegram_cannot_say_the_sender_is_no_admin():
    from telegram.error import NetworkError

    class Bot:
        async def get_chat_member(self, chat_id, user_id):
            raise NetworkError("down")

    assert not await GroupAdmins().is_admin(Bot(), GROUP, ADMIN)
