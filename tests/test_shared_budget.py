"""The sending budget shared through the database (scheduler.ratelimit.DatabaseRateLimiter,
models.budget): two limiters on one database, as two processes would hold them, stay together
within the bot's rate, a chat's rate and a group's rate; a flood wait one of them hears about
holds the other too; bulk messages keep to their share."""

from __future__ import annotations

import asyncio
import time

import pytest

from scheduler.ratelimit import DatabaseRateLimiter


def most_in_any_window(moments: list[float], window: float) -> int:
    moments = sorted(moments)
    best, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def send_all(limiters, chats, sent: list[float], bulk: bool = False) -> None:
    async def one(limiter, chat):
        await limiter.acquire(chat, bulk=bulk)
        sent.append(time.monotonic())
    await asyncio.gather(*(one(limiters[n % len(limiters)], chat) for n, chat in enumerate(chats)))


@pytest.fixture
def engine(sessions):
    return sessions.kw["bind"]


async def test_two_processes_together_stay_within_the_bot_rate(engine):
    pair = [DatabaseRateLimiter(engine, overall_per_second=20) for _ in range(2)]
    sent: list[float] = []
    await send_all(pair, [str(1000 + n) for n in range(60)], sent)  # 60 chats, one message each
    # 20 a second; +2 for the event loop waking a moment late after a sleep now and then
    assert most_in_any_window(sent, 1.0) <= 22
    assert sent[-1] - sent[0] >= 2.5  # 60 at 20/s take about 3 s: nobody skipped the line


async def test_a_chat_gets_a_short_burst_then_one_per_second(engine):
    pair = [DatabaseRateLimiter(engine, overall_per_second=100) for _ in range(2)]
    sent: list[float] = []
    await send_all(pair, ["4711"] * 6, sent)
    gaps = [b - a for a, b in zip(sorted(sent), sorted(sent)[1:])]
    assert sorted(sent)[2] - sorted(sent)[0] < 0.5  # three at once
    assert all(gap >= 0.9 for gap in gaps[2:]), gaps  # then one a second, whoever sends


async def test_a_group_keeps_to_its_minute_rate(engine):
    # 20 a minute, scaled up to 300 a minute (5 a second) so the test takes a second or two.
    pair = [DatabaseRateLimiter(engine, overall_per_second=100, group_per_minute=300)
            for _ in range(2)]
    sent: list[float] = []
    await send_all(pair, ["-100123"] * 8, sent)
    assert most_in_any_window(sent, 1.0) <= 6  # 5 a second (+1 for a late wake-up)


async def test_a_flood_wait_heard_by_one_holds_the_other(engine):
    first, second = (DatabaseRateLimiter(engine, overall_per_second=100) for _ in range(2))
    first.hold(1.2)
    await asyncio.sleep(0.1)  # the hold is written to the database at once
    started = time.monotonic()
    await second.acquire("555")
    assert time.monotonic() - started >= 1.0


async def test_bulk_messages_keep_to_their_share(engine):
    pair = [DatabaseRateLimiter(engine, overall_per_second=50, bulk_share=0.2) for _ in range(2)]
    sent: list[float] = []
    await send_all(pair, [str(2000 + n) for n in range(25)], sent, bulk=True)
    assert most_in_any_window(sent, 1.0) <= 12  # 20 % of 50/s: 10 a second (+2 as above)
