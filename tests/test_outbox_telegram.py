"""Outbox delivery on Telegram, through the real PTB bot against the fake Bot API on 127.0.0.1
with faults injected: flood waits, server errors, timeouts, dropped connections, blocked bots."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.telegram import build_application
from bot.telegram.messenger import SharedRateLimiter, TelegramMessenger
from handlers.core import Nahbar
from handlers.services import Services
from models import OutboxMessage, OutboxStatus
from models.outbox import paused_among
from scheduler import RateLimiter

from .fake_bot_api import FakeBotApi, Fault
from .outbox_fakes import Clock, outbox_dispatcher, queue, reply_row
from .telegram_fakes import text_update

TOKEN = "123456:TEST-token"
CHAT = 4711


@pytest.fixture
async def api():
    async with FakeBotApi(TOKEN) as fake:
        fake.add_user(CHAT)
        fake.add_user(CHAT + 1)
        yield fake


@pytest.fixture
async def bot(api):
    # Short timeouts so a "timeout" fault costs a second, not PTB's default five.
    request = HTTPXRequest(read_timeout=1.0, connect_timeout=1.0, write_timeout=1.0)
    bot = ExtBot(
        TOKEN, base_url=api.base_url, request=request, rate_limiter=SharedRateLimiter(RateLimiter())
    )
    await bot.initialize()
    yield bot
    await bot.shutdown()


@pytest.fixture
def clock(now):
    return Clock(now)


async def outbox(sessions) -> dict[str, OutboxMessage]:
    async with sessions() as session:
        return {r.key: r for r in await session.scalars(select(OutboxMessage))}


def sent_texts(api: FakeBotApi, chat_id: int = CHAT) -> list[str]:
    return [
        c.text
        for c in api.calls
        if c.method == "sendMessage" and c.chat_id == chat_id and not c.error
    ]


async def test_the_messenger_shares_the_bots_rate_limiter(bot):
    messenger = TelegramMessenger(bot)
    assert messenger.limits_itself and messenger.limiter is bot.rate_limiter.limiter


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault.server_error(502), "TransientError: Bad Gateway"),
        (Fault.disconnect(), "TransientError"),
        (Fault.timeout(2), "TransientError: Timed out"),
    ],
)
async def test_network_trouble_is_retried_with_back_off(sessions, clock, api, bot, fault, reason):
    await queue(
        sessions,
        reply_row("a", f"telegram:{CHAT}", "<b>Morgen</b>: Adventscafé", due_at=clock.now),
        now=clock.now,
    )
    api.inject(fault, chat_id=CHAT)
    d = outbox_dispatcher(
        sessions, [TelegramMessenger(bot)], clock=clock, backoff=timedelta(seconds=30)
    )
    await d.drain()
    row = (await outbox(sessions))["a"]
    assert row.status is OutboxStatus.QUEUED and row.reason.startswith(reason), row.reason
    assert row.due_at == clock.now + timedelta(seconds=30)
    assert sent_texts(api) == []
    clock.advance(seconds=30)
    await d.drain()
    assert sent_texts(api) == ["Morgen: Adventscafé"], api.describe()
    assert (await outbox(sessions))["a"].status is OutboxStatus.SENT


async def test_a_flood_wait_is_honoured(sessions, clock, api, bot):
    await queue(
        sessions, reply_row("a", f"telegram:{CHAT}", "Hallo", due_at=clock.now), now=clock.now
    )
    api.inject(Fault.retry_after(1), chat_id=CHAT)
    d = outbox_dispatcher(sessions, [TelegramMessenger(bot)], clock=clock)
    await d.drain()
    row = (await outbox(sessions))["a"]
    assert (row.status, row.attempts, row.due_at) == (
        OutboxStatus.QUEUED,
        0,
        clock.now + timedelta(seconds=1),
    )
    assert bot.rate_limiter.limiter.chat_wait(str(CHAT + 1)) > 0  # the whole bot waits
    await asyncio.sleep(1.05)  # the hold is real time: Telegram counts in real seconds
    clock.advance(seconds=1)
    await d.drain()
    assert sent_texts(api) == ["Hallo"]


async def test_a_blocked_bot_pauses_the_chat_and_drops_its_messages(sessions, clock, api, bot):
    await queue(
        sessions,
        reply_row("a", f"telegram:{CHAT}", "Eins", due_at=clock.now),
        reply_row("b", f"telegram:{CHAT}", "Zwei", due_at=clock.now + timedelta(hours=1)),
        reply_row("c", f"telegram:{CHAT + 1}", "Andere", due_at=clock.now),
        now=clock.now,
    )
    api.inject(Fault.forbidden(), chat_id=CHAT)
    d = outbox_dispatcher(sessions, [TelegramMessenger(bot)], clock=clock)
    await d.drain()
    clock.advance(hours=2)
    await d.drain()
    assert (
        len([c for c in api.calls if c.method == "sendMessage" and c.chat_id == CHAT]) == 1
    )  # no retry
    assert sent_texts(api, CHAT + 1) == ["Andere"]
    found = await outbox(sessions)
    assert found["a"].status is found["b"].status is OutboxStatus.DROPPED
    async with sessions() as session:
        assert await paused_among(session, [f"telegram:{CHAT}"])


async def test_content_telegram_refuses_is_parked(sessions, clock, api, bot):
    await queue(
        sessions,
        reply_row("a", f"telegram:{CHAT}", "Kaffee <3 Kuchen", due_at=clock.now),
        now=clock.now,
    )
    await outbox_dispatcher(sessions, [TelegramMessenger(bot)], clock=clock).drain()
    row = (await outbox(sessions))["a"]
    assert row.status is OutboxStatus.PARKED and "can't parse entities" in row.reason.lower()


async def test_a_reply_that_fails_after_its_turn_is_sent_by_the_outbox(
    sessions, places, clock, api
):
    core = Nahbar(sessions, Services(places), clock=clock)
    application = build_application(TOKEN, core, base_url=api.base_url, rate_limit=True)
    await application.initialize()
    try:
        api.inject(Fault.server_error(502), chat_id=CHAT)
        update = text_update("/hilfe", user_id=CHAT)
        await application.process_update(Update.de_json(update, application.bot))
        assert sent_texts(api) == []  # the answer did not get through …
        rows = await outbox(sessions)
        assert list(rows) == [f"reply:telegram:{update['update_id']}"]  # … but it is queued
        messenger = TelegramMessenger(application.bot)
        assert messenger.limits_itself
        await outbox_dispatcher(sessions, [messenger]).drain()  # real clock: the reply is due now
        assert len(sent_texts(api)) == 1 and "So geht es" in sent_texts(api)[0], api.describe()
    finally:
        await application.shutdown()
