"""What a queued row says, decided when it is sent: kind -> composer.

Rows carry a `kind` and a JSON `payload`; the dispatcher asks the composer registered for the
kind to turn the row into replies at send time, so a reminder can say the current time and
place of its gathering, or be dropped because the offer was cancelled. Each feature declares
its composers (`Feature(composers={REMIND: compose_reminder})`); the wiring gathers them into
one `Composers` registry and hands it to the dispatcher (the scheduler never imports features):

    async def compose_reminder(session, row, now):
        offer = await session.get(Offer, row.payload["offer"])
        if offer is None or offer.status is not OfferStatus.PUBLISHED:
            raise Drop("offer withdrawn")          # or: return None ("nothing to send")
        return [Reply(t("Tomorrow: {title}", title=esc(offer.title)))]

A composer only reads: its session's transaction is rolled back after each row (so the next
row reads fresh data and no transaction stays open while sending). An exception other than
Drop counts as a failed attempt (retried with back-off, then parked).

Kind "reply" is built in: replies of a turn that could not be sent at the time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.messages import Reply
from models import utcnow
from models.outbox import Claimed, Outgoing, enqueue

Composer = Callable[[AsyncSession, Claimed, datetime], Awaitable[list[Reply] | None]]
REPLY = "reply"


class Drop(Exception):
    """Raised by a composer: do not send this row, for the reason given (kept for operators;
    no personal data in it)."""


class Composers(dict[str, Composer]):
    """kind -> composer. `@registry.composer("kind")` or `registry.register("kind", fn)`."""

    @classmethod
    def of(cls, *declared: Mapping[str, Composer]) -> Composers:
        """The built-in "reply" and every kind declared (a kind declared twice is refused)."""
        registry = cls()
        registry.register(REPLY, compose_reply)
        for composers in declared:
            for kind, compose in composers.items():
                registry.register(kind, compose)
        return registry

    def register(self, kind: str, compose: Composer) -> Composer:
        if len(kind) > 32:
            raise ValueError("an outbox kind has at most 32 characters")
        if kind in self:
            raise ValueError(f"outbox kind {kind!r} has a composer already")
        self[kind] = compose
        return compose

    def composer(self, kind: str) -> Callable[[Composer], Composer]:
        return lambda compose: self.register(kind, compose)


async def compose_reply(session: AsyncSession, row: Claimed, now: datetime) -> list[Reply] | None:
    """Payload: a list of Reply.to_dict()."""
    if not isinstance(row.payload, list):
        raise Drop("malformed reply payload")
    return [Reply.from_dict(item) for item in row.payload] or None


async def enqueue_replies(
    sessions: async_sessionmaker[AsyncSession],
    chat: str,
    replies: Sequence[Reply],
    key: str,
    due_at: datetime | None = None,
) -> bool:
    """Queue replies that could not be sent during their turn (network error, flood wait), so
    the dispatcher delivers them through the same path as everything else. `key` makes it
    idempotent, e.g. "reply:telegram:<update id>". Its own transaction: the turn has committed."""
    now = utcnow()
    async with sessions() as session, session.begin():
        # even_if_paused: the person has just written, so the chat is not paused any more.
        added = await enqueue(
            session,
            Outgoing(
                key=key[:200],
                chat=chat,
                kind=REPLY,
                payload=[r.to_dict() for r in replies],
                due_at=due_at or now,
            ),
            now=now,
            even_if_paused=True,
        )
    return added == 1
