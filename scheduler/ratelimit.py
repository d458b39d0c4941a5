"""Telegram's sending limits, shared by everything that sends on one platform.

Telegram enforces (undocumented, may change) about 30 messages/s per bot, about 1 message/s
per chat and 20 messages/minute per group; a 429 answer (`RetryAfter`) stops the whole bot for
the given time. One `RateLimiter` per platform is handed to the dispatcher and, for Telegram,
to the PTB Application (bot.telegram.messenger.SharedRateLimiter), so turn replies and outbox
messages draw on the same budget and nothing is limited twice.

Built on aiolimiter's leaky buckets (the library PTB's own AIORateLimiter uses), with the same
defaults as PTB for the overall and group limits; a private chat may burst 3 messages (a search
answer is often a list and a keyboard) but averages 1/s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models import budget

log = logging.getLogger(__name__)

PRUNE_ABOVE = 10_000  # per-chat buckets kept before idle ones are forgotten


def negative_is_group(chat_id: str) -> bool:
    """Telegram: groups and channels have negative ids (or an @username)."""
    return chat_id.startswith(("-", "@"))


class RateLimiter:
    def __init__(
        self,
        *,
        overall_per_second: float = 30,
        chat_per_second: float = 1,
        chat_burst: int = 3,
        group_per_minute: float = 20,
        is_group: Callable[[str], bool] = negative_is_group,
    ) -> None:
        self.overall_per_second = overall_per_second
        self._overall = AsyncLimiter(overall_per_second, 1)
        self._chat = (chat_burst, chat_burst / chat_per_second)
        self._group = (group_per_minute, 60)
        self._is_group = is_group
        self._chats: dict[str, AsyncLimiter] = {}
        self._hold_until = 0.0  # time.monotonic(): nothing is sent before this (RetryAfter)

    def _bucket(self, chat_id: str) -> AsyncLimiter:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= PRUNE_ABOVE:
                self._chats = {
                    c: b for c, b in self._chats.items() if not b.has_capacity(b.max_rate)
                }
            rate, period = self._group if self._is_group(chat_id) else self._chat
            bucket = self._chats[chat_id] = AsyncLimiter(rate, period)
        return bucket

    def chat_wait(self, chat_id: str) -> float:
        """0 when a message to this chat could go now, else about how long until it can (the
        dispatcher sends other chats' messages meanwhile instead of waiting in line)."""
        held = self._hold_until - time.monotonic()
        bucket = self._bucket(chat_id)
        if bucket.has_capacity():
            return max(held, 0.0)
        return max(held, bucket.time_period / bucket.max_rate)

    async def acquire(self, chat_id: str, bulk: bool = False) -> None:
        """Wait until one message to `chat_id` may be sent (`bulk`: the in-process limiter
        gives bulk messages no share of their own)."""
        # Not a busy wait: it sleeps out the hold, which a new RetryAfter may have extended.
        while (held := self._hold_until - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(held)
        await self._bucket(chat_id).acquire()  # the chat first: no overall slot wasted waiting
        await self._overall.acquire()

    def hold(self, seconds: float) -> None:
        """The platform said "retry after": nobody sends on it for `seconds`."""
        self._hold_until = max(self._hold_until, time.monotonic() + max(0.0, seconds))


class DatabaseRateLimiter:
    """The same limits as RateLimiter, drawn from one budget in the database (models.budget),
    so every process of the bot together stays within them: several webhook workers, their
    dispatchers and `nahbar outbox dispatch` processes.

    Each message takes its chat's slot and the bot's slot in one short transaction (one more
    when the chat must wait first) and then waits until its slot comes. Bulk messages (weekly
    posts, alerts; models.outbox.BULK) also take a slot of the bulk share (`bulk_share` of the
    overall rate), so time-critical messages and answers always find room. If the database
    cannot be reached, the process falls back to its own in-memory limiter and says so.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        platform: str = "telegram",
        *,
        overall_per_second: float = 30,
        chat_per_second: float = 1,
        chat_burst: int = 3,
        group_per_minute: float = 20,
        group_burst: int = 1,
        overall_burst: int = 1,
        bulk_share: float = 0.8,
        is_group: Callable[[str], bool] = negative_is_group,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.platform = platform
        self.overall_per_second = overall_per_second
        self.bulk_per_second = overall_per_second * bulk_share
        self._overall = (1.0 / overall_per_second, overall_burst)
        self._chat = (1.0 / chat_per_second, chat_burst)
        self._group = (60.0 / group_per_minute, group_burst)
        self._is_group = is_group
        self.clock = clock
        self._known: dict[str, float] = {}  # chat -> when its next slot comes (what we saw last)
        self._hold_until = 0.0  # by `clock`: the platform said "retry after"
        self._hold_written = 0.0
        self._purged_at = 0.0
        self._fallback = RateLimiter(
            overall_per_second=overall_per_second,
            chat_per_second=chat_per_second,
            chat_burst=chat_burst,
            group_per_minute=group_per_minute,
            is_group=is_group,
        )
        self._tasks: set[asyncio.Task[Any]] = set()

    def _limit(self, chat_id: str) -> tuple[float, int]:
        return self._group if self._is_group(chat_id) else self._chat

    def chat_wait(self, chat_id: str) -> float:
        """About how long until a message to this chat could go, from what this process saw
        (0: now). The dispatcher uses it to send other chats' messages first; `acquire` is the
        one that counts."""
        now = self.clock()
        return max(self._known.get(chat_id, 0.0) - now, self._hold_until - now, 0.0)

    async def acquire(self, chat_id: str, bulk: bool = False) -> None:
        """Wait until one message to `chat_id` may be sent (a bulk one: also within its share).

        The limits are passed one after the other: the chat's, the bulk share's, the bot's. All
        free: one transaction. A limit that makes the message wait is waited out before the
        next one is taken, so no later slot is held (and wasted) meanwhile."""
        gates = [(f"{self.platform}:{chat_id}", *self._limit(chat_id))]
        if bulk:
            gates.append(self._bulk_gate())
        gates.append((self.platform, *self._overall))
        await self._pass(gates, chat_id)

    async def acquire_bulk(self) -> None:
        """Wait for a slot of the bulk share only (the chat's and the bot's slots are taken by
        the platform's own hook, bot.telegram.messenger.SharedRateLimiter)."""
        await self._pass([self._bulk_gate()])

    def _bulk_gate(self) -> tuple[str, float, int]:
        return f"{self.platform}/bulk", 1.0 / self.bulk_per_second, 1

    async def _pass(self, gates: list[tuple[str, float, int]], chat_id: str | None = None) -> None:
        try:
            while gates:
                async with self.engine.begin() as connection:
                    now = self.clock()
                    await self._write_hold(connection)
                    await self._purge(connection, now)
                    at = now
                    while gates and at <= now:
                        key, interval, burst = gates.pop(0)
                        at, following = await budget.take_slot(
                            connection, key, now, interval, burst
                        )
                        if chat_id is not None and key.startswith(f"{self.platform}:"):
                            self._remember(chat_id, following)
                await asyncio.sleep(max(0.0, at - self.clock()))
        except Exception as exc:  # noqa: BLE001 - a send must not fail for the budget's sake
            log.warning(
                "the shared sending budget is not available (%s); limiting this process on its own",
                type(exc).__name__,
            )
            if chat_id is not None:
                await self._fallback.acquire(chat_id)

    def hold(self, seconds: float) -> None:
        """The platform said "retry after": nobody (no process) sends on it for `seconds`."""
        self._hold_until = max(self._hold_until, self.clock() + max(0.0, seconds))
        self._fallback.hold(seconds)
        try:
            task = asyncio.get_running_loop().create_task(self._hold_now())
        except RuntimeError:  # no loop: the next acquire writes it
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hold_now(self) -> None:
        try:
            async with self.engine.begin() as connection:
                await self._write_hold(connection)
        except Exception as exc:  # noqa: BLE001 - the next acquire tries again
            log.warning("could not share a flood wait (%s)", type(exc).__name__)

    async def _write_hold(self, connection: AsyncConnection) -> None:
        if self._hold_until > self._hold_written:
            until = self._hold_until
            await budget.hold_until(connection, self.platform, until)
            self._hold_written = until

    def _remember(self, chat_id: str, next_free: float) -> None:
        if len(self._known) >= PRUNE_ABOVE:
            now = self.clock()
            self._known = {c: t for c, t in self._known.items() if t > now}
        self._known[chat_id] = next_free

    async def _purge(self, connection: AsyncConnection, now: float) -> None:
        if now - self._purged_at >= budget.IDLE_AFTER:
            self._purged_at = now
            await budget.purge(connection, now)
