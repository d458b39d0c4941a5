"""The outbox dispatcher: claim due rows in batches, compose, send, settle each one.

A batch's rows go out in `lanes`: each lane settles one chat's rows in their order, then the
next chat's, and up to `parallel` lanes send at once. One at a time, a send's round trip to the
platform (about 0.1 s to Telegram) would cap a process far below the rate limit (30/s); the
limiter paces the lanes. Each row is marked in its own short transaction right after its send,
so a crash (even SIGKILL) repeats at most the messages in flight (one per lane); the rest of a
crashed dispatcher's batch becomes claimable again when its lease runs out. Several dispatcher
processes may run side by side: claims skip each other's rows (models.outbox.claim).

What happens after a send:
  delivered         -> sent
  RetryAfter        -> the platform waits as asked (limiter.hold), the row is due again then,
                       and the wait is not counted as a failed attempt
  TransientError,   -> due again after an exponential back-off; parked after `max_attempts`
  any other error
  Unreachable       -> the chat is paused, this row and the chat's queued rows are dropped
  Rejected          -> parked at once (retrying the same content would fail the same way)
Before a send: rows past `too_late_at` are dropped; a composer may drop a row (Drop / None);
a chat that must wait for its rate limit is put back for a moment so others go first.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contracts.delivery import (
    DeliveryError,
    Messenger,
    Rejected,
    RetryAfter,
    SendLimiter,
    Unreachable,
)
from models import utcnow
from models.outbox import (
    BULK,
    Claimed,
    SentMarks,
    claim,
    extend_claim,
    mark_dropped,
    mark_later,
    mark_parked,
    pause_chat,
    release,
)
from ops.metrics import SENDS

from .compose import REPLY, Composers, Drop

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
_TOKENISH = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")  # a bot token inside an error text


# The platform of the row a lane is settling (each lane is a task: its own value), for the metrics.
_PLATFORM: contextvars.ContextVar[str] = contextvars.ContextVar("platform", default="unknown")


@dataclass
class DispatchStats:
    sent: int = 0
    retried: int = 0  # back in the queue after an error or a flood wait
    deferred: int = 0  # back in the queue for a moment: the chat's rate limit
    parked: int = 0
    dropped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str, reason: str | None = None) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        SENDS.labels(_PLATFORM.get() or "unknown", outcome).inc()
        if reason:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        messengers: Iterable[Messenger],
        *,
        engine: AsyncEngine,  # of `sessions`: rows are marked sent on a connection of its own
        composers: Composers,  # outbox kind -> composer (the features', gathered by the wiring)
        limiters: Mapping[str, SendLimiter | None] | None = None,
        clock: Clock = utcnow,
        batch: int = 100,
        parallel: int = 4,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 8,
        backoff: timedelta = timedelta(seconds=10),
        max_backoff: timedelta = timedelta(minutes=30),
    ) -> None:
        self.sessions = sessions
        self.engine = engine
        self.messengers: dict[str, Messenger] = {}
        self.composers = composers
        self.clock = clock
        self.batch, self.lease, self.max_attempts = batch, lease, max_attempts
        self.parallel = max(1, parallel)
        self.draining = False  # a pass is going on (scheduler.jobs.dispatch)
        self.backoff, self.max_backoff = backoff, max_backoff
        self._given_limiters = dict(limiters or {})
        self.limiters: dict[str, SendLimiter | None] = {}
        self.platforms: list[str] = []
        self.chats: list[str] = []
        for messenger in messengers:
            self.use(messenger)
        self.stats = DispatchStats()
        self.name = uuid.uuid4().hex[:8]  # tells dispatchers apart in the log

    def use(self, messenger: Messenger) -> None:
        """Send this platform's rows too (e.g. Matrix, once this process leads and syncs it)."""
        platform = messenger.platform
        self.messengers[platform] = messenger
        self.limiters[platform] = self._given_limiters.get(platform, messenger.limiter)
        self._route()

    def forget(self, platform: str) -> None:
        """Leave this platform's rows to other processes from now on."""
        self.messengers.pop(platform, None)
        self.limiters.pop(platform, None)
        self._route()

    def _route(self) -> None:
        # A messenger with `chats` (chat ids) sends only there, e.g. the terminal to the person
        # at it: other chats' rows are left to the process that can deliver them.
        self.platforms = [p for p, m in self.messengers.items() if m.chats is None]
        self.chats = [f"{p}:{c}" for p, m in self.messengers.items() for c in m.chats or ()]

    # -- the loop ------------------------------------------------------------------------------

    async def run_once(self, deadline: float | None = None) -> int:
        """Claim one batch and settle its rows; returns how many rows were claimed. Rows not
        reached by `deadline` (time.monotonic()) go back to the queue unsent, and so do they
        when the task is cancelled (the one in flight keeps its claim until the lease ends)."""
        if not self.messengers:
            return 0
        async with self.sessions() as session, session.begin():
            rows = await claim(
                session,
                now=self.clock(),
                lease=self.lease,
                limit=self.batch,
                platforms=self.platforms,
                chats=self.chats,
            )
        if not rows:
            return 0
        chats: dict[str, list[Claimed]] = {}  # in the order the claim gave (priority, due)
        for row in rows:
            chats.setdefault(row.chat, []).append(row)
        waiting = list(chats.values())
        waiting.reverse()  # popped from the end: the first chat first
        unsettled = {row.id: row for row in rows}  # not yet started
        unfinished = dict(unsettled)  # not yet settled: started or not
        renewal = _Renewal(time.monotonic() + self.lease.total_seconds() / 2)
        try:
            # Each lane has its session for the composers, its transaction ended after each row,
            # so every row reads the current state and no read stays open across a send.
            async with SentMarks(self.engine) as marks:
                guarded = _Serial(marks)

                async def lane() -> None:
                    async with self.sessions() as reading:
                        while waiting:
                            for row in waiting.pop():
                                if deadline is not None and time.monotonic() >= deadline:
                                    return
                                await self._renew_if_due(renewal, unfinished)
                                unsettled.pop(row.id, None)
                                _PLATFORM.set(row.platform)
                                await self._settle_one(row, guarded, reading)
                                unfinished.pop(row.id, None)

                tasks = [
                    asyncio.create_task(lane()) for _ in range(min(self.parallel, len(waiting)))
                ]
                try:
                    await asyncio.gather(*tasks)
                except BaseException:  # one lane failed: the others stop too
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                    raise
        except BaseException:
            # Cancelled or failed: the rows no lane has started go back to the queue (those in
            # flight keep their claim until the lease ends).
            await asyncio.shield(self._release(list(unsettled.values())))
            raise
        await self._release(list(unsettled.values()))
        return len(rows)

    async def _renew_if_due(self, renewal: _Renewal, unfinished: dict[int, Claimed]) -> None:
        """Rate limits made the batch slow: keep its unsettled rows ours (one lane renews)."""
        if time.monotonic() <= renewal.at or renewal.busy:
            return
        renewal.busy = True
        try:
            async with self.sessions() as session, session.begin():
                await extend_claim(session, list(unfinished), self.clock() + self.lease)
            renewal.at = time.monotonic() + self.lease.total_seconds() / 2
        finally:
            renewal.busy = False

    async def _release(self, rows: list[Claimed]) -> None:
        if rows:
            async with self.sessions() as session, session.begin():
                await release(session, [r.id for r in rows])

    async def drain(self, budget: float | None = None) -> int:
        """Run batches until the due rows are gone or `budget` seconds have passed."""
        deadline = None if budget is None else time.monotonic() + budget
        total = 0
        while True:
            claimed = await self.run_once(deadline)
            total += claimed
            if claimed < self.batch or (deadline is not None and time.monotonic() >= deadline):
                return total

    async def run_forever(self, every: float = 2.0, budget: float | None = None) -> None:
        """A dispatcher process without APScheduler (`nahbar outbox dispatch`)."""
        while True:
            started = time.monotonic()
            try:
                await self.drain(budget)
            except Exception:  # e.g. the database restarting: try again soon
                log.exception("dispatcher %s: pass failed", self.name)
            await asyncio.sleep(max(0.0, every - (time.monotonic() - started)))

    # -- one row -------------------------------------------------------------------------------

    async def _settle_one(self, row: Claimed, marks: _Serial, reading: AsyncSession) -> None:
        now = self.clock()
        if row.too_late_at is not None and now >= row.too_late_at:
            return await self._write(mark_dropped(row.id, now, "too late"), "dropped", "too late")
        messenger = self.messengers.get(row.platform)
        if messenger is None:  # this process stopped sending there meanwhile: leave it to others
            return await self._write(
                mark_later(row.id, now, now, None, count_attempt=False), "deferred"
            )
        limiter = self.limiters.get(row.platform)
        if limiter is not None and (wait := limiter.chat_wait(row.chat_id)) > 0:
            return await self._write(
                mark_later(row.id, now, now + timedelta(seconds=wait), None, count_attempt=False),
                "deferred",
            )
        compose = self.composers.get(row.kind)
        if compose is None:
            return await self._write(
                mark_parked(row.id, now, f"no composer for kind {row.kind!r}"),
                "parked",
                "no composer",
            )
        try:
            try:
                replies = await compose(reading, row, now)
            finally:
                if reading.in_transaction():
                    await reading.rollback()  # also expires what it loaded: fresh next time
        except Drop as exc:
            reason = str(exc) or "dropped by composer"
            return await self._write(mark_dropped(row.id, now, reason), "dropped", reason)
        except Exception as exc:  # a composer bug must not stop the others
            log.warning("outbox %s: composer for %r failed", row.id, row.kind, exc_info=True)
            return await self._failed(row, now, exc)
        if not replies:
            return await self._write(
                mark_dropped(row.id, now, "nothing to send"), "dropped", "nothing to send"
            )
        try:
            bulk = row.priority == BULK
            if limiter is not None and not messenger.limits_itself:
                for _ in replies:
                    await limiter.acquire(row.chat_id, bulk=bulk)
            elif limiter is not None and bulk and hasattr(limiter, "acquire_bulk"):
                for _ in replies:  # the platform's hook takes the chat's and the bot's slots
                    await limiter.acquire_bulk()
            await messenger.deliver(row.chat_id, replies)
        except RetryAfter as exc:
            if limiter is not None:
                limiter.hold(exc.seconds)
            now = self.clock()
            await self._write(
                mark_later(
                    row.id,
                    now,
                    now + timedelta(seconds=exc.seconds),
                    _reason(exc),
                    count_attempt=False,
                    payload=self._unsent(row, exc),
                ),
                "retried",
                "retry after",
            )
        except Unreachable as exc:
            now = self.clock()
            async with self.sessions() as session, session.begin():
                await session.execute(mark_dropped(row.id, now, "recipient unreachable"))
                others = await pause_chat(session, row.chat, _reason(exc), now)
            self.stats.count("dropped", "recipient unreachable")
            log.info(
                "outbox %s: recipient unreachable, chat paused, %d more dropped", row.id, others
            )
        except Rejected as exc:
            await self._write(mark_parked(row.id, self.clock(), _reason(exc)), "parked", "rejected")
            log.warning("outbox %s parked: %s", row.id, _reason(exc))
        except Exception as exc:  # noqa: BLE001 - TransientError and anything unexpected
            await self._failed(row, self.clock(), exc)
        else:
            await marks.sent(row.id, self.clock())  # at once: a crash now repeats only this one
            self.stats.count("sent")

    async def _failed(self, row: Claimed, now: datetime, exc: Exception) -> None:
        reason = _reason(exc)
        if row.attempts >= self.max_attempts:
            log.warning("outbox %s parked after %d attempts: %s", row.id, row.attempts, reason)
            return await self._write(mark_parked(row.id, now, reason), "parked", "gave up")
        delay = min(self.backoff * 2 ** (row.attempts - 1), self.max_backoff)
        if not isinstance(exc, DeliveryError):
            log.info("outbox %s: attempt %d failed (%s)", row.id, row.attempts, reason)
        await self._write(
            mark_later(row.id, now, now + delay, reason, payload=self._unsent(row, exc)),
            "retried",
            "error",
        )

    @staticmethod
    def _unsent(row: Claimed, exc: BaseException) -> list[Any] | None:
        """For queued replies: only those the chat has not got yet."""
        delivered = getattr(exc, "delivered", 0)
        if row.kind == REPLY and isinstance(row.payload, list) and 0 < delivered < len(row.payload):
            return row.payload[delivered:]
        return None

    async def _write(self, statement: Executable, outcome: str, reason: str | None = None) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(statement)
        self.stats.count(outcome, reason)


@dataclass
class _Renewal:
    at: float  # time.monotonic() when the batch's claims are renewed next
    busy: bool = False


class _Serial:
    """The batch's SentMarks for several lanes: one statement at a time on its connection
    (asyncpg refuses a second while one runs)."""

    def __init__(self, marks: SentMarks) -> None:
        self.marks = marks
        self.lock = asyncio.Lock()

    async def sent(self, row_id: int, now: datetime) -> None:
        async with self.lock:
            await self.marks.sent(row_id, now)


def _reason(exc: BaseException) -> str:
    """What went wrong, for operators: the error type and its text, without secrets."""
    text = _TOKENISH.sub("<token>", str(exc))
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
