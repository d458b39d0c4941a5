"""The real `nahbar run` process and a fake Bot API: a resident who blocks the bot is paused the
moment Telegram says so (my_chat_member), and resumed when they unblock it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import pytest

from models import utcnow
from models.db import create_engine, session_factory
from models.outbox import Outgoing, enqueue

from .fake_bot_api import FakeBotApi
from .test_telegram_e2e import START_TIMEOUT, STEP_TIMEOUT, TOKEN, BotProcess

CHAT = 4711


@pytest.fixture
async def api():
    async with FakeBotApi(TOKEN) as fake:
        yield fake


async def running(bot: BotProcess, api: FakeBotApi) -> None:
    await bot.start()
    polling = asyncio.ensure_future(api.wait_polling(START_TIMEOUT))
    exited = asyncio.ensure_future(bot.proc.wait())
    await asyncio.wait([polling, exited], return_when=asyncio.FIRST_COMPLETED)
    exited.cancel()
    assert polling.done(), f"the bot exited before polling\n{bot.report(api)}"


async def until(bot: BotProcess, query: str, expected, timeout: float = STEP_TIMEOUT):
    """Wait until `query` on the bot's database gives `expected`."""
    found = None
    for _ in range(int(timeout * 10)):
        with sqlite3.connect(bot.db) as db:
            found = db.execute(query).fetchall()
        if found == expected:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{query}: {found!r}, expected {expected!r}\n{bot.report()}")


async def test_blocking_the_bot_pauses_the_chat_at_once_and_unblocking_resumes_it(api, tmp_path):
    bot = BotProcess(tmp_path, api)
    try:
        await running(bot, api)
        api.push_command(CHAT, "/start")
        await api.next_bot_message(CHAT, STEP_TIMEOUT)
        # A reminder waits in the outbox for tomorrow.
        engine = create_engine(f"sqlite+aiosqlite:///{bot.db}")
        try:
            async with session_factory(engine)() as session, session.begin():
                await enqueue(
                    session,
                    Outgoing(
                        key="remind:1:test:eve",
                        chat=f"telegram:{CHAT}",
                        kind="remind",
                        payload={},
                        due_at=utcnow() + timedelta(days=1),
                    ),
                )
        finally:
            await engine.dispose()

        mark = api.mark()
        api.block(CHAT)
        await until(bot, "SELECT chat FROM paused_chats", [(f"telegram:{CHAT}",)])
        await until(
            bot, "SELECT status, reason FROM outbox", [("dropped", "recipient unreachable")]
        )
        assert not [c for c in api.calls[mark:] if c.chat_id == CHAT], api.describe(
            mark
        )  # nothing tried

        api.unblock(CHAT)
        await until(bot, "SELECT chat FROM paused_chats", [])
        api.push_command(CHAT, "/hilfe")  # and they are answered as before
        answer = await api.next_bot_message(CHAT, STEP_TIMEOUT)
        assert "So geht es" in answer.text
    finally:
        await bot.kill()


GROUP, ADMIN, MEMBER = -1005550001, 501, 502


async def test_a_village_group_sets_up_its_weekly_post(api, tmp_path):
    """An admin writing anonymously switches it on; a named admin changes the day with a
    button and the time and radius in words; a member's press changes nothing."""
    api.add_group(GROUP, "Dorfgruppe Hasselfelde", admins={ADMIN})
    api.add_user(MEMBER)
    bot = BotProcess(tmp_path, api)
    digest = "SELECT place_name, weekday, hour, radius_km FROM digests"
    try:
        await running(bot, api)
        api.push_anonymous_admin(GROUP, "/wochenpost Wernigerode")
        answer = await api.next_bot_message(GROUP, STEP_TIMEOUT)
        assert (
            "Ab jetzt kommt die Wochenpost" in answer.text
            and "jeden Montag um 09:00 Uhr" in answer.text
        ), answer
        await until(bot, digest, [("Wernigerode", 0, 9, 10)])

        mark = api.mark()
        api.press(GROUP, "Di.", user_id=ADMIN)
        changed = await api.next_bot_message(GROUP, STEP_TIMEOUT)
        assert changed.method == "editMessageText" and "jeden Dienstag" in changed.text, changed
        await until(bot, digest, [("Wernigerode", 1, 9, 10)])
        assert [
            int(c.params["user_id"]) for c in api.calls[mark:] if c.method == "getChatMember"
        ] == [ADMIN]

        api.push_group_text(GROUP, ADMIN, "/wochenpost@nahbar_test_bot 18 Uhr 25 km")
        answer = await api.next_bot_message(GROUP, STEP_TIMEOUT)
        assert "25 km um Wernigerode jeden Dienstag um 18:00 Uhr" in answer.text, answer
        await until(bot, digest, [("Wernigerode", 1, 18, 25)])

        query = api.press(GROUP, "Mi.", user_id=MEMBER)
        refused = await api.next_bot_message(GROUP, STEP_TIMEOUT)
        assert "nur die Admins dieser Gruppe" in refused.text, refused
        popup = await api.wait_until(lambda: api.answer_of(query), STEP_TIMEOUT)
        assert popup.params.get("text") == "Das dürfen nur die Admins der Gruppe ändern."
        await until(bot, digest, [("Wernigerode", 1, 18, 25)])

        api.push_group_text(GROUP, MEMBER, "Wer kommt morgen mit zum Kaffee?")  # chatter: no answer
        await asyncio.sleep(1)
        assert not [
            c
            for c in api.calls
            if c.method == "sendMessage"
            and c.chat_id == GROUP
            and "Kaffee" in c.params.get("text", "")
        ]
    finally:
        await bot.kill()
