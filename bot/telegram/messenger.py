"""Telegram side of the outbox: a Messenger over the PTB bot, and the rate limiter it shares
with the Application, so turn replies and outbox messages draw on one budget."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.error import RetryAfter as TelegramRetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from handlers.messages import Reply
from scheduler.delivery import Rejected, RetryAfter, TransientError, Unreachable
from scheduler.ratelimit import RateLimiter

from .render import send

log = logging.getLogger(__name__)


def retry_after_seconds(exc: TelegramRetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that it will become a timedelta; both work
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class SharedRateLimiter(BaseRateLimiter[None]):
    """PTB's rate-limiter hook over a scheduler RateLimiter: every Bot API call that names a
    chat waits for its slot (overall, per chat, per group). A 429 holds the whole bot for the
    time Telegram asks and is passed on: the outbox sends the message again later, which is
    also where a turn's unsent replies go (bot.telegram.application)."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ):
        chat_id = data.get("chat_id")
        if chat_id is not None:  # getUpdates, answerCallbackQuery… are not messages
            await self.limiter.acquire(str(chat_id))
        try:
            return await callback(*args, **kwargs)
        except TelegramRetryAfter as exc:
            self.limiter.hold(retry_after_seconds(exc))
            raise


class TelegramMessenger:
    """Delivers queued replies with the same rendering as turn replies (render.send)."""

    platform = "telegram"
    chats = None  # every chat of the bot

    def __init__(self, bot, limiter: RateLimiter | None = None) -> None:
        self.bot = bot
        # When the bot's requests pass through a SharedRateLimiter, that limiter is ours too
        # and the dispatcher must not take a second slot per message.
        shared = getattr(bot, "rate_limiter", None)
        self.limits_itself = isinstance(shared, SharedRateLimiter)
        self.limiter = shared.limiter if self.limits_itself else (limiter or RateLimiter())

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        delivered = 0
        try:
            target = int(chat_id)
        except ValueError:
            raise Rejected("not a Telegram chat id") from None
        try:
            for reply in replies:
                await send(self.bot, target, reply)
                delivered += 1
        except TelegramRetryAfter as exc:
            raise _counted(RetryAfter(retry_after_seconds(exc)), delivered) from exc
        except Forbidden as exc:
            raise _counted(Unreachable(str(exc)), delivered) from exc
        except BadRequest as exc:  # before NetworkError: PTB derives BadRequest from it
            if "chat not found" in str(exc).lower():
                raise _counted(Unreachable(str(exc)), delivered) from exc
            raise _counted(Rejected(str(exc)), delivered) from exc
        except NetworkError as exc:  # includes TimedOut and 5xx answers
            raise _counted(TransientError(str(exc)), delivered) from exc


def _counted(error, delivered: int):
    error.delivered = delivered
    return error
