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
import time
from collections.abc import Callable

from aiolimiter import AsyncLimiter

PRUNE_ABOVE = 10_000  # per-chat buckets kept before idle ones are forgotten


def negative_is_group(chat_id: str) -> bool:
    """Telegram: groups and channels have negative ids (or an @username)."""
    return chat_id.startswith(("-", "@"))


class RateLimiter:
    def __init__(self, *, overall_per_second: float = 30, chat_per_second: float = 1,
                 chat_burst: int = 3, group_per_minute: float = 20,
                 is_group: Callable[[str], bool] = negative_is_group) -> None:
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
                self._chats = {c: b for c, b in self._chats.items() if not b.has_capacity(b.max_rate)}
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

    async def acquire(self, chat_id: str) -> None:
        """Wait until one message to `chat_id` may be sent."""
        while (held := self._hold_until - time.monotonic()) > 0:
            await asyncio.sleep(held)
        await self._bucket(chat_id).acquire()  # the chat first: no overall slot wasted waiting
        await self._overall.acquire()

    def hold(self, seconds: float) -> None:
        """The platform said "retry after": nobody sends on it for `seconds`."""
        self._hold_until = max(self._hold_until, time.monotonic() + max(0.0, seconds))
