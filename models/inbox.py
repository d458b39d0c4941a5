"""The inbox: messages received but perhaps not answered yet, and where the platform's stream
of events was read up to.

A platform that pulls events in batches (Matrix's /sync) writes each batch's messages here
together with the position after the batch, in one transaction (`receive`). The position is
what the next start reads from, so a crash can never move it past a message that is not in the
inbox; a message in the inbox is answered until it is marked answered (`mark_answered`). So
every message is answered at least once, and twice only when the process dies between sending
the answer and marking it.

A platform that pushes messages to several workers (Telegram's webhook) stores each one here
before it is acknowledged (`take_in`), claimed by the worker that took it in; a worker that dies
stops renewing its claims and another takes its messages over (`claim_orphans`).

Rows hold only what rebuilds the adapter's neutral message (text or location, group or not,
the sender a group's admin or not), or, for an encrypted message whose room key has not come
yet, the event as it came (`sealed`, ciphertext only): it waits here until the key arrives and
is then opened (`unseal`) and answered like any other, also after a restart. The text,
location, pushed payload and sealed event are cleared once answered: what stays for a day is
the event id (so the same event is never taken in twice) and when it came. Addresses are in a
column named `chat`, so erasure (models.erasure) removes a person's rows with everything else
about them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Index,
    String,
    Text,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, rowcount, utcnow

# Rows are kept this long after the message came (the nightly maintenance purges older ones):
# as long as a message may still be answered, so the same event is never taken in twice.
KEEP = timedelta(days=1)


class InboxMessage(Base):
    __tablename__ = "inbox"
    # The answer loop reads unanswered rows (answered_at IS NULL), the purge old ones.
    __table_args__ = (Index("ix_inbox_answered_at", "answered_at"), Index("ix_inbox_chat", "chat"))

    id: Mapped[int] = mapped_column(primary_key=True)  # arrival order
    event_id: Mapped[str] = mapped_column(String(255), unique=True)  # the platform's id for it
    chat: Mapped[str] = mapped_column(String(255))  # "matrix:!room:server"
    sender: Mapped[str] = mapped_column(String(255))  # "@alice:server"
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    group: Mapped[bool] = mapped_column(Boolean, default=False)
    sender_is_admin: Mapped[bool] = mapped_column(Boolean, default=False)  # in a group
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the homeserver got it
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A platform that pushes messages to several workers (Telegram's webhook) keeps the message
    # as the platform sent it (names stripped) and which worker answers it until when (a worker
    # that dies stops renewing, and another takes the message over: `claim_orphans`).
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # An encrypted event we cannot read yet (its room key is missing), as JSON; NULL once read.
    sealed: Mapped[str | None] = mapped_column(Text, nullable=True)


class SyncPosition(Base):
    """How far an account has read its platform's event stream (Matrix: `next_batch`)."""

    __tablename__ = "sync_positions"

    account: Mapped[str] = mapped_column(String(255), primary_key=True)  # "matrix:@bot:server"
    token: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True, slots=True)
class Received:
    """One message taken from the platform, ready to store and to answer (detached from any
    session; the adapter turns it into its `handlers.messages.Incoming`)."""

    event_id: str
    chat: str
    sender: str
    received_at: datetime
    text: str | None = None
    location: tuple[float, float] | None = None
    group: bool = False
    sender_is_admin: bool = False
    payload: dict[str, Any] | None = None  # the platform's own form of it (Telegram: the update)
    sealed: str | None = None  # the encrypted event (JSON) until its room key comes


def _row(item: Received) -> dict[str, Any]:
    latitude, longitude = item.location if item.location is not None else (None, None)
    return {
        "event_id": item.event_id,
        "chat": item.chat,
        "sender": item.sender,
        "text": item.text,
        "latitude": latitude,
        "longitude": longitude,
        "group": item.group,
        "sender_is_admin": item.sender_is_admin,
        "received_at": item.received_at,
        "answered_at": None,
        "payload": item.payload,
        "sealed": item.sealed,
    }


def _received(row: InboxMessage) -> Received:
    location = None
    if row.latitude is not None and row.longitude is not None:
        location = (row.latitude, row.longitude)
    return Received(
        row.event_id,
        row.chat,
        row.sender,
        row.received_at,
        row.text,
        location,
        row.group,
        row.sender_is_admin,
        row.payload,
        row.sealed,
    )


def _insert(session: AsyncSession) -> Callable[..., Any]:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def position(session: AsyncSession, account: str) -> str | None:
    """The stored position of `account`, or None before its first batch."""
    row = await session.get(SyncPosition, account)
    return row.token if row is not None else None


async def receive(
    session: AsyncSession, account: str, token: str, items: Sequence[Received]
) -> list[Received]:
    """Store a batch's messages and the position after it, in the caller's transaction;
    returns the messages that were new (an event already stored is not taken in again)."""
    insert = _insert(session)
    new: list[Received] = []
    if items:
        by_event = {item.event_id: item for item in items}
        added: set[str] = set()
        rows = [_row(item) for item in by_event.values()]
        for start in range(0, len(rows), 500):  # below the drivers' bound-parameter limits
            statement = (
                insert(InboxMessage)
                .values(rows[start : start + 500])
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(InboxMessage.event_id)
            )
            added |= set((await session.scalars(statement)).all())
        new = [item for event_id, item in by_event.items() if event_id in added]
    now = utcnow()
    await session.execute(
        insert(SyncPosition)
        .values(account=account, token=token, updated_at=now)
        .on_conflict_do_update(index_elements=["account"], set_={"token": token, "updated_at": now})
    )
    return new


async def unanswered(
    session: AsyncSession, chat_prefix: str, since: datetime, *, sealed: bool = False
) -> list[Received]:
    """Messages not answered yet that came after `since`, in arrival order; `chat_prefix`
    ("matrix:") picks the platform's own. Those that can be answered, or with `sealed` those
    still waiting for their room key."""
    waiting = InboxMessage.sealed.is_not(None) if sealed else InboxMessage.sealed.is_(None)
    rows = await session.scalars(
        select(InboxMessage)
        .where(
            InboxMessage.answered_at.is_(None),
            InboxMessage.received_at >= since,
            waiting,
            InboxMessage.chat.startswith(chat_prefix, autoescape=True),
        )
        .order_by(InboxMessage.id)
    )
    return [_received(row) for row in rows]


async def unseal(session: AsyncSession, item: Received) -> bool:
    """A sealed message could be read: store what it says in its row, which is then answered
    like any other (also after a restart). False when it was opened or answered meanwhile."""
    latitude, longitude = item.location if item.location is not None else (None, None)
    result = await session.execute(
        update(InboxMessage)
        .where(
            InboxMessage.event_id == item.event_id,
            InboxMessage.answered_at.is_(None),
            InboxMessage.sealed.is_not(None),
        )
        .values(
            sealed=None,
            text=item.text,
            latitude=latitude,
            longitude=longitude,
            group=item.group,
            sender_is_admin=item.sender_is_admin,
        )
    )
    return bool(rowcount(result))


async def count_in(session: AsyncSession, chats: Sequence[str]) -> int:
    """How many messages from these chats the inbox holds (for /meinedaten)."""
    if not chats:
        return 0
    return (
        await session.scalar(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.chat.in_(list(chats)))
        )
        or 0
    )


# Built once, as budget._TAKE: each update marks its message answered.
_ANSWERED = (
    update(InboxMessage)
    .where(InboxMessage.event_id == bindparam("event"), InboxMessage.answered_at.is_(None))
    .values(
        answered_at=bindparam("now"),
        text=None,
        latitude=None,
        longitude=None,
        payload=None,
        claimed_by=None,
        claimed_until=None,
        sealed=None,
    )
    .execution_options(synchronize_session=False)
)


async def mark_answered(session: AsyncSession, event_id: str, now: datetime | None = None) -> bool:
    """The answer has been handed over: never answer again, and forget what it said."""
    result = await session.execute(_ANSWERED, {"event": event_id, "now": now or utcnow()})
    return bool(rowcount(result))


# --- pushed messages, answered by whichever worker took them in --------------------------------


# Built once per database (each pushed update is taken in): the row comes as parameters.
_TAKE_IN = {
    insert: insert(InboxMessage)
    .on_conflict_do_nothing(index_elements=["event_id"])
    .returning(InboxMessage.id)
    for insert in (postgresql.insert, sqlite.insert)
}


async def take_in(
    session: AsyncSession, item: Received, worker: str, until: datetime, now: datetime
) -> bool:
    """Store a message the platform pushed and claim it for `worker` until `until`, in the
    caller's transaction. Returns whether this worker should answer it: it is new, or the
    platform sent it again and the worker that took it first is gone (its claim ran out). A
    message answered already, or in the hands of a live worker, is not answered again."""
    row = {**_row(item), "claimed_by": worker, "claimed_until": until}
    added = await session.execute(_TAKE_IN[_insert(session)], row)
    if added.first() is not None:
        return True
    taken = await session.execute(
        update(InboxMessage)
        .where(
            InboxMessage.event_id == item.event_id,
            InboxMessage.answered_at.is_(None),
            or_(InboxMessage.claimed_until.is_(None), InboxMessage.claimed_until < now),
        )
        .values(claimed_by=worker, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return bool(rowcount(taken))


async def renew_claims(session: AsyncSession, worker: str, until: datetime) -> int:
    """The worker is alive: keep every message it has taken and not answered yet."""
    result = await session.execute(
        update(InboxMessage)
        .where(InboxMessage.claimed_by == worker, InboxMessage.answered_at.is_(None))
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def claim_orphans(
    session: AsyncSession,
    chat_prefix: str,
    worker: str,
    until: datetime,
    now: datetime,
    since: datetime,
    limit: int = 100,
) -> list[Received]:
    """Take over messages (of the platform `chat_prefix`) that a worker took in and did not
    answer before it died: unanswered, their claim run out, not older than `since`; in arrival
    order. Concurrent workers skip each other's rows (SKIP LOCKED on PostgreSQL)."""
    chosen = (
        select(InboxMessage.id)
        .where(
            InboxMessage.answered_at.is_(None),
            InboxMessage.claimed_until < now,
            InboxMessage.received_at >= since,
            InboxMessage.chat.startswith(chat_prefix, autoescape=True),
        )
        .order_by(InboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (
        await session.execute(
            update(InboxMessage)
            .where(InboxMessage.id.in_(chosen.scalar_subquery()))
            .values(claimed_by=worker, claimed_until=until)
            .returning(
                InboxMessage.id,
                InboxMessage.event_id,
                InboxMessage.chat,
                InboxMessage.sender,
                InboxMessage.received_at,
                InboxMessage.payload,
            )
            .execution_options(synchronize_session=False)
        )
    ).all()
    return [
        Received(event_id, chat, sender, received_at, payload=payload)
        for _, event_id, chat, sender, received_at, payload in sorted(rows)
    ]


async def depth(session: AsyncSession) -> int:
    """Messages in the inbox not answered yet (for the metrics)."""
    return (
        await session.scalar(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.answered_at.is_(None))
        )
        or 0
    )


async def purge(session: AsyncSession, before: datetime) -> int:
    """Forget messages that came before `before`: answered ones, and unanswered ones too old
    to be answered any more. Returns how many rows went."""
    result = await session.execute(delete(InboxMessage).where(InboxMessage.received_at < before))
    return rowcount(result)
