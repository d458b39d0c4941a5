"""The sending budget shared through the database (scheduler.ratelimit.DatabaseRateLimiter,
models.budget): two limiters on one database, as two processes would hold them, stay together
within the bot's rate, a chat's rate and a group's rate; a flood wait one of them hears about
holds the other too; bulk messages keep to their share.

The rates are checked on the slots the database hands out (what the limiter promises, and
never sends before), not on when a busy machine's event loop happened to wake up."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from models import budget
from scheduler.ratelimit import DatabaseRateLimiter


@pytest.fixture
def slots(monkeypatch):
    """key -> the moments (by the limiter's clock) of the slots taken under it."""
    taken: dict[str, list[float]] = {}
    real = budget.take_slot

    async def recording(connection, key, now, interval, burst=1):
        at, following = await real(connection, key, now, interval, burst)
        taken.setdefault(key, []).append(at)
        return at, following

    monkeypatch.setattr(budget, "take_slot", recording)
    return taken


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
        sent.append(time.time())

    await asyncio.gather(*(one(limiters[n % len(limiters)], chat) for n, chat in enumerate(chats)))


@pytest.fixture
def engine(sessions):
    return sessions.kw["bind"]


async def test_two_processes_together_stay_within_the_bot_rate(engine, slots):
    pair = [DatabaseRateLimiter(engine, overall_per_second=20) for _ in range(2)]
    sent: list[float] = []
    await send_all(pair, [str(1000 + n) for n in range(60)], sent)  # 60 chats, one message each
    bot = sorted(slots["telegram"])
    assert len(bot) == 60 and most_in_any_window(bot, 1.0 - 1e-3) <= 20
    assert min(b - a for a, b in itertools.pairwise(bot)) >= 0.05 - 1e-6  # one every 50 ms
    assert min(sent) >= bot[0] and max(sent) >= bot[-1]  # nothing went before its slot


async def test_a_chat_gets_a_short_burst_then_one_per_second(engine, slots):
    pair = [DatabaseRateLimiter(engine, overall_per_second=100) for _ in range(2)]
    sent: list[float] = []
    await send_all(pair, ["4711"] * 6, sent)
    chat = sorted(slots["telegram:4711"])
    assert chat[2] - chat[0] < 0.5  # three at once
    assert chat[3] - chat[0] >= 1.0 - 1e-6  # then one a second, whoever sends
    assert all(b - a >= 1.0 - 1e-6 for a, b in itertools.pairwise(chat[3:]))
    assert sorted(sent)[-1] >= chat[-1]


async def test_a_group_keeps_to_its_minute_rate(engine, slots):
    # 20 a minute, scaled up to 300 a minute (5 a second) so the test takes a second or two.
    pair = [
        DatabaseRateLimiter(engine, overall_per_second=100, group_per_minute=300) for _ in range(2)
    ]
    sent: list[float] = []
    await send_all(pair, ["-100123"] * 8, sent)
    assert most_in_any_window(sorted(slots["telegram:-100123"]), 1.0 - 1e-3) <= 5


async def test_a_flood_wait_heard_by_one_holds_the_other(engine):
    first, second = (DatabaseRateLimiter(engine, overall_per_second=100) for _ in range(2))
    first.hold(1.2)
    await asyncio.sleep(0.1)  # the hold is written to the database at once
    started = time.monotonic()
    await second.acquire("555")
    assert time.monotonic() - started >= 1.0


async def test_bulk_messages_keep_to_their_share(engine, slots):
    pair = [DatabaseRateLimiter(engine, overall_per_second=50, bulk_share=0.2) for _ in range(2)]
    sent: list[float] = []
    await send_all(pair, [str(2000 + n) for n in range(25)], sent, bulk=True)
    assert most_in_any_window(sorted(slots["telegram/bulk"]), 1.0 - 1e-3) <= 10  # 20 % of 50/s
