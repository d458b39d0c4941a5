"""Fakes for outbox tests: a messenger that records deliveries or fails on demand, a clock
the test moves, and a shortcut to queue a message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import outbox_composers
from contracts.delivery import Messenger, SendLimiter
from contracts.messages import Reply
from models.outbox import Outgoing, enqueue
from scheduler import Dispatcher
from scheduler.compose import REPLY


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class FakeMessenger:
    """Records (chat_id, text) per reply delivered; `failures` are raised in order, one per
    deliver call (an exception, or a callable taking the replies)."""

    platform: str = "telegram"
    limiter: SendLimiter | None = None  # no rate limits unless a test gives one
    limits_itself: bool = False
    chats: Sequence[str] | None = None  # every chat of its platform
    delivered: list[tuple[str, str]] = field(default_factory=list)
    failures: list = field(default_factory=list)
    calls: int = 0

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        self.calls += 1
        if self.failures:
            failure = self.failures.pop(0)
            if callable(failure) and not isinstance(failure, BaseException):
                failure = failure(self, chat_id, replies)
            if failure is not None:
                raise failure
        self.delivered += [(chat_id, r.text) for r in replies]

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [text for chat, text in self.delivered if chat_id is None or chat == chat_id]


def reply_row(key: str, chat: str, *texts: str, due_at: datetime, too_late_at=None) -> Outgoing:
    return Outgoing(
        key=key,
        chat=chat,
        kind=REPLY,
        payload=[Reply(Markup(t)).to_dict() for t in texts],
        due_at=due_at,
        too_late_at=too_late_at,
    )


async def queue(sessions, *messages: Outgoing, now: datetime) -> int:
    async with sessions() as session, session.begin():
        return await enqueue(session, *messages, now=now)


def outbox_dispatcher(
    sessions: async_sessionmaker[AsyncSession], messengers: Iterable[Messenger], **options: Any
) -> Dispatcher:
    """A dispatcher as the wiring builds it: every feature's composers, the store's engine."""
    options.setdefault("composers", outbox_composers())
    return Dispatcher(sessions, messengers, engine=sessions.kw["bind"], **options)
