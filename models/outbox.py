"""The outbox: every message the bot sends on its own (reminders, digests, alerts, replies that
could not be sent during their turn) is a row here before it leaves.

The database is the source of truth: a row is written in the same transaction as whatever
caused it, a dispatcher claims due rows, sends them and marks each one sent right after. A
crashed dispatcher's claim runs out (`claimed_until`) and the rows become claimable again, so
nothing is lost and at most the message in flight at the crash goes out twice.

Addresses are chat addresses ("telegram:12345") in a column named `chat`, so erasure
(models.erasure) removes a person's queued messages with everything else about them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Enum,
    Index,
    Integer,
    SmallInteger,
    String,
    Update,
    and_,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, QueryableAttribute, mapped_column

from .base import Base, UTCDateTime, rowcount, utcnow

# A message's payload as stored (JSON): what its composer reads back.
Payload = dict[str, Any] | list[Any]

REASON_LENGTH = 200
# What goes first when more is due than the platform lets through: time-critical messages
# (reminders, change notices, replies) before weekly posts and alerts, which are spread over
# their window (models.digests) and sent from a share of the budget (scheduler.ratelimit).
URGENT, BULK = 0, 1


class ChatAddress:
    """`platform` and `chat_id` of a `chat` address ("telegram:12345" -> "telegram", "12345")."""

    __slots__ = ()
    chat: str

    @property
    def platform(self) -> str:
        return self.chat.partition(":")[0]

    @property
    def chat_id(self) -> str:
        return self.chat.partition(":")[2]


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for due_at
    SENDING = "sending"  # claimed by a dispatcher until claimed_until
    SENT = "sent"
    PARKED = "parked"  # gave up for now; a moderator or operator may release it (retry)
    DROPPED = "dropped"  # will never be sent: too late, offer cancelled, recipient unreachable


class OutboxMessage(ChatAddress, Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # The dispatcher's claim walks this index: queued rows, time-critical ones first, in due
        # order, and the few "sending" rows whose lease may have run out.
        Index("ix_outbox_status_priority_due", "status", "priority", "due_at"),
        Index("ix_outbox_chat", "chat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whoever enqueues names the message, e.g. "remind:17:2026-12-01T14:00"; a second enqueue
    # with the same key does nothing, so planners may run as often as they like.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    chat: Mapped[str] = mapped_column(String(255))  # "telegram:12345", "matrix:!room:server"
    kind: Mapped[str] = mapped_column(String(32))  # which composer turns it into replies
    payload: Mapped[Payload] = mapped_column(JSON, default=dict)
    priority: Mapped[int] = mapped_column(SmallInteger, default=URGENT, server_default="0")
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(
            OutboxStatus,
            native_enum=False,
            length=16,
            validate_strings=True,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=OutboxStatus.QUEUED,
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # After this moment the message is dropped, not sent (e.g. the start of the event a
    # reminder is about: never "your gathering began three hours ago").
    too_late_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Why it is parked or dropped, or the last error: for operators, never personal data.
    reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PausedChat(Base):
    """A chat the platform says we cannot reach (blocked the bot, left the room). Nothing is
    planned or sent to it until the person writes again (models.conversations.load_turn
    resumes it) or the platform says they are back (bot.chats.chat_back)."""

    __tablename__ = "paused_chats"

    chat: Mapped[str] = mapped_column(String(255), primary_key=True)
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH), default="")


# --- enqueueing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to enqueue; see OutboxMessage for the fields."""

    key: str
    chat: str
    kind: str
    payload: Payload
    due_at: datetime
    too_late_at: datetime | None = None
    priority: int = URGENT


async def enqueue(
    session: AsyncSession,
    *messages: Outgoing,
    now: datetime | None = None,
    even_if_paused: bool = False,
) -> int:
    """Add messages unless their key exists already or their chat is paused; returns how many
    rows were added. One paused-chat query and one INSERT for the lot, so a planner can hand
    over thousands at once. Runs in the caller's transaction."""
    if not messages:
        return 0
    now = now or utcnow()
    if not even_if_paused:
        paused = await paused_among(session, {m.chat for m in messages})
        messages = tuple(m for m in messages if m.chat not in paused)
        if not messages:
            return 0
    rows = [
        {
            "key": m.key,
            "chat": m.chat,
            "kind": m.kind,
            "payload": m.payload,
            "due_at": m.due_at,
            "too_late_at": m.too_late_at,
            "priority": m.priority,
            "status": OutboxStatus.QUEUED,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for m in messages
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for start in range(0, len(rows), 500):  # stay below the drivers' bound-parameter limits
        statement = (
            insert(OutboxMessage)
            .values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxMessage.id)
        )
        added += len((await session.execute(statement)).all())
    return added


# --- paused chats ---------------------------------------------------------------------------


def not_paused(chat_column: QueryableAttribute[str]) -> ColumnElement[bool]:
    """A WHERE clause for planners: rows whose chat is not paused, e.g.
    `select(Subscription).where(not_paused(Subscription.chat))`."""
    return ~exists().where(PausedChat.chat == chat_column)


async def paused_among(session: AsyncSession, chats: Iterable[str]) -> set[str]:
    chats = list(chats)
    if not chats:
        return set()
    found: set[str] = set()
    for start in range(0, len(chats), 500):
        found |= set(
            await session.scalars(
                select(PausedChat.chat).where(PausedChat.chat.in_(chats[start : start + 500]))
            )
        )
    return found


async def pause_chat(session: AsyncSession, chat: str, reason: str, now: datetime) -> int:
    """Mark the chat unreachable and drop what is queued for it; returns rows dropped."""
    if await session.get(PausedChat, chat) is None:
        session.add(PausedChat(chat=chat, paused_at=now, reason=reason[:REASON_LENGTH]))
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat == chat, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.DROPPED, reason="recipient unreachable", updated_at=now)
    )
    return rowcount(result)


async def resume_chat(session: AsyncSession, chat: str) -> None:
    """The person wrote again: deliveries to this chat may go out again."""
    await session.execute(delete(PausedChat).where(PausedChat.chat == chat))


# --- claiming and settling (the dispatcher's side) ------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed(ChatAddress):
    """A claimed row, detached from any session."""

    id: int
    key: str
    chat: str
    kind: str
    payload: Payload
    due_at: datetime
    too_late_at: datetime | None
    attempts: int  # including this one
    priority: int = URGENT


_CLAIMED_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.key,
    OutboxMessage.chat,
    OutboxMessage.kind,
    OutboxMessage.payload,
    OutboxMessage.due_at,
    OutboxMessage.too_late_at,
    OutboxMessage.attempts,
    OutboxMessage.priority,
)


def _for_platforms(
    platforms: Sequence[str] | None, chats: Sequence[str] = ()
) -> ColumnElement[bool]:
    """Rows of these platforms (None: every platform) and of these single chat addresses."""
    if platforms is None:
        return true()
    wanted = [OutboxMessage.chat.like(f"{p}:%") for p in platforms]
    if chats:
        wanted.append(OutboxMessage.chat.in_(sorted(chats)))
    return or_(*wanted) if wanted else false()


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    platforms: Sequence[str] | None = None,
    chats: Sequence[str] = (),
) -> list[Claimed]:
    """Claim up to `limit` due rows (queued and due, or claimed by a dispatcher whose lease ran
    out) for the given platforms and for the given chat addresses (a terminal chat sends only
    to the person at it), time-critical ones first, each kind in due order; they are
    `sending` until now + lease.

    One UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) … RETURNING: on PostgreSQL
    concurrent dispatchers skip each other's rows instead of waiting or taking them twice;
    SQLite ignores FOR UPDATE and has one writer at a time, which makes the statement atomic.
    Commit right after, so the claim is visible and the locks go.
    """
    claimable = or_(
        and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.due_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
    )
    chosen = (
        select(OutboxMessage.id)
        .where(claimable, _for_platforms(platforms, chats))
        .order_by(OutboxMessage.priority, OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen.scalar_subquery()))
        .values(
            status=OutboxStatus.SENDING,
            claimed_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
            updated_at=now,
        )
        .returning(*_CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    rows = [Claimed(*row) for row in result.all()]
    rows.sort(key=lambda r: (r.priority, r.due_at, r.id))  # RETURNING promises no order
    return rows


async def extend_claim(session: AsyncSession, ids: Sequence[int], until: datetime) -> None:
    """Keep rows claimed longer (a batch that waits on rate limits outlives its lease)."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status == OutboxStatus.SENDING)
            .values(claimed_until=until)
            .execution_options(synchronize_session=False)
        )


async def release(session: AsyncSession, ids: Sequence[int]) -> None:
    """Give claimed rows back unsent (a pass ran out of time, or the dispatcher stops); the
    claim does not count as an attempt."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status == OutboxStatus.SENDING)
            .values(
                status=OutboxStatus.QUEUED, claimed_until=None, attempts=OutboxMessage.attempts - 1
            )
            .execution_options(synchronize_session=False)
        )


def _settle(row_id: int, **values: Any) -> Update:
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )


def mark_sent(row_id: int, now: datetime) -> Update:
    return _settle(row_id, status=OutboxStatus.SENT, sent_at=now, updated_at=now, reason=None)


class SentMarks:
    """Marks rows sent, each in a transaction of its own (one autocommitted UPDATE), on a
    connection kept for a dispatcher pass: the hot path of the dispatcher.

    On SQLite and PostgreSQL the statement goes straight to the driver (aiosqlite, asyncpg):
    through SQLAlchemy's async adapters a single UPDATE costs several thread hops or round
    trips and capped the dispatcher near 500 messages/s; this way the database is not what
    limits it (benchmarks/dispatcher.py). Any other database takes the Core statement.
    """

    _SQL = (
        "UPDATE outbox SET status = 'sent', sent_at = {0}, updated_at = {0}, claimed_until = NULL,"
        " reason = NULL WHERE id = {1} AND status = 'sending'"
    )

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    async def __aenter__(self) -> SentMarks:
        self._connection = await self.engine.connect()
        await self._connection.execution_options(isolation_level="AUTOCOMMIT")
        # The driver's own connection (aiosqlite or asyncpg): typed by neither.
        self._driver: Any = (await self._connection.get_raw_connection()).driver_connection
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._connection.close()

    async def sent(self, row_id: int, now: datetime) -> None:
        naive = now.astimezone(UTC).replace(tzinfo=None)
        if self.dialect == "sqlite":  # the text form SQLAlchemy's DateTime stores on SQLite
            await self._driver.execute(
                self._SQL.format("?1", "?2"), (naive.isoformat(" ", "microseconds"), row_id)
            )
        elif self.dialect == "postgresql":
            await self._driver.execute(self._SQL.format("$1", "$2"), naive, row_id)
        else:
            await self._connection.execute(mark_sent(row_id, now))


def mark_dropped(row_id: int, now: datetime, reason: str) -> Update:
    return _settle(
        row_id, status=OutboxStatus.DROPPED, updated_at=now, reason=reason[:REASON_LENGTH]
    )


def mark_parked(row_id: int, now: datetime, reason: str) -> Update:
    return _settle(
        row_id, status=OutboxStatus.PARKED, updated_at=now, reason=reason[:REASON_LENGTH]
    )


def mark_later(
    row_id: int,
    now: datetime,
    due_at: datetime,
    reason: str | None,
    count_attempt: bool = True,
    payload: Payload | None = None,
) -> Update:
    """Back to the queue until `due_at`; a wait the platform asked for is no failed attempt."""
    values: dict[str, Any] = {
        "status": OutboxStatus.QUEUED,
        "due_at": due_at,
        "updated_at": now,
        "reason": reason[:REASON_LENGTH] if reason else None,
    }
    if not count_attempt:
        values["attempts"] = OutboxMessage.attempts - 1
    if payload is not None:
        values["payload"] = payload
    return _settle(row_id, **values)


# --- operators and moderators ---------------------------------------------------------------


async def parked(session: AsyncSession, limit: int = 50) -> list[OutboxMessage]:
    """Parked messages, newest first: what moderators (/pruefen) and `nahbar outbox` show."""
    return list(
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PARKED)
            .order_by(OutboxMessage.updated_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


async def counts(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    """Rows per status, and how many queued rows are due already ("overdue")."""
    now = now or utcnow()
    result = {s.value: 0 for s in OutboxStatus}
    for status, count in await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ):
        result[OutboxStatus(status).value] = count
    result["due"] = (
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.due_at <= now)
        )
        or 0
    )
    return result


async def release_parked(
    session: AsyncSession, now: datetime, ids: Sequence[int] | None = None
) -> int:
    """Put parked messages (all, or those with the given ids) back in the queue, due now, with
    a fresh count of attempts; returns how many."""
    where = [OutboxMessage.status == OutboxStatus.PARKED]
    if ids is not None:
        where.append(OutboxMessage.id.in_(list(ids)))
    result = await session.execute(
        update(OutboxMessage)
        .where(*where)
        .values(
            status=OutboxStatus.QUEUED, due_at=now, attempts=0, updated_at=now, claimed_until=None
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def purge_settled(session: AsyncSession, before: datetime) -> int:
    """Forget sent, dropped and parked rows last touched before `before` (their keys go with
    them, so keep them longer than any planner looks ahead)."""
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_(
                [OutboxStatus.SENT, OutboxStatus.DROPPED, OutboxStatus.PARKED]
            ),
            OutboxMessage.updated_at < before,
        )
    )
    return rowcount(result)


@dataclass(frozen=True, slots=True)
class Waiting:
    """Queued messages of one priority, due already or not (for the metrics and the plan)."""

    priority: int
    due: bool
    count: int
    oldest_due_at: datetime | None


async def waiting(session: AsyncSession, now: datetime) -> list[Waiting]:
    """Messages waiting to be sent (queued or being sent), by priority and whether due."""
    due = OutboxMessage.due_at <= now
    rows = await session.execute(
        select(OutboxMessage.priority, due, func.count(), func.min(OutboxMessage.due_at))
        .where(OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING]))
        .group_by(OutboxMessage.priority, due)
    )
    return [
        Waiting(priority, bool(is_due), count, oldest) for priority, is_due, count, oldest in rows
    ]
