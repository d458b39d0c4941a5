"""Outbox dispatcher: throughput with a no-op sender, and 3,000 reminders through the rate limiter.

    python -m benchmarks --only dispatcher          # 5,000 rows x 3 rounds; 3,000 reminders, ~100 s
    python -m benchmarks --only dispatcher --quick  # 1,000 rows; 300 reminders (~10 s)
    python -m benchmarks --only dispatcher --dispatch-postgres   # throughput on PostgreSQL too

Throughput (target ≥ 2,000 messages/s on SQLite, so the database is never the bottleneck at
Telegram's 30/s): --dispatch-messages due rows of kind "reply" to distinct chats, drained by
`Dispatcher.drain()` with a messenger that does nothing and no rate limiter: a claim per batch
of 100, a composer call, and one UPDATE + COMMIT per row (each row is settled on its own, which
is what makes a crash repeat at most one message). Also "remind": a composer that reads the
offer the reminder is about, as real reminders will. Baseline in the same run, "naive": the
bare per-row settle written the obvious way, `async with sessions() as s, s.begin():
await s.execute(update(...))`, without claiming, composing or sending (the dispatcher settles
through models.outbox.SentMarks instead). Median of --dispatch-rounds rounds, on a fresh
SQLite file (WAL, synchronous=NORMAL, as the bot runs).

Rate limiter (target: within 5 % of what the limit allows): --reminders due reminders to
distinct chats, sent by the real APScheduler job (`build_scheduler(..., dispatcher=...)`, a pass
every 2 s) through the shared RateLimiter at 30 messages/s with a no-op sender; the time from
the scheduler's start until the last one is marked sent, against reminders / 30 s (100 s for
3,000). The limiter is a leaky bucket like PTB's (30 per second, so up to 30 at once after a
quiet moment): N messages need at least (N - 30) / 30 s. Not judged with --quick, where that
first burst is a tenth of the run.

Prints tables and PASS/FAIL lines; writes var/bench/dispatcher.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from handlers.messages import Reply
from models import Offer, OfferStatus, OutboxMessage, OutboxStatus, utcnow
from models.db import create_engine, session_factory, upgrade
from models.outbox import Outgoing, enqueue
from scheduler import Dispatcher, RateLimiter, build_scheduler
from scheduler.compose import REPLY, Composers

from .cli import finish_common, run_standalone

TARGET_RATE = 2_000
TARGET_LIMIT_ERROR = 0.05
TELEGRAM_RATE = 30


class NoOpMessenger:
    platform = "telegram"
    limiter = None
    limits_itself = False
    chats = None

    def __init__(self) -> None:
        self.sent = 0

    async def deliver(self, chat_id, replies) -> None:
        self.sent += len(replies)


async def _compose_remind(session, row, now):
    offer = await session.get(Offer, row.payload["offer"])
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        return None
    return [Reply(f"🔔 {offer.title}, {offer.place_name}")]


def _composers() -> Composers:
    return Composers.of({"bench-remind": _compose_remind})


async def _store(url: str):
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(OutboxMessage.__table__.delete())
        offer = Offer(
            title="Adventscafé",
            place_name="Wernigerode",
            latitude=51.8,
            longitude=10.8,
            status=OfferStatus.PUBLISHED,
            starts_local=datetime(2026, 12, 1, 15),
        )
        session.add(offer)
        await session.flush()
        offer_id = offer.id
    return engine, sessions, offer_id


async def _fill(sessions, count: int, kind: str, offer_id: int, tag: str) -> datetime:
    now = utcnow()
    payload = [Reply("🔔 Morgen: Adventscafé im Pfarrhaus, 15:00 Uhr").to_dict()]
    rows = [
        Outgoing(
            key=f"{tag}:{n}",
            chat=f"telegram:{10_000_000 + n}",
            kind=kind,
            payload=payload if kind == REPLY else {"offer": offer_id},
            due_at=now - timedelta(seconds=1),
            too_late_at=now + timedelta(days=1),
        )
        for n in range(count)
    ]
    async with sessions() as session, session.begin():
        for start in range(0, count, 5_000):
            await enqueue(session, *rows[start : start + 5_000], now=now)
    return now


async def _naive(sessions, count: int) -> float:
    """The bare per-row settle loop over rows already claimed, one ORM session per row."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.QUEUED)
            .values(status=OutboxStatus.SENDING)
        )
        ids = (
            await session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.SENDING)
            )
        ).all()
    assert len(ids) == count, (len(ids), count)
    started = time.perf_counter()
    now = utcnow()
    for row_id in ids:
        async with sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(status=OutboxStatus.SENT, sent_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
    return time.perf_counter() - started


async def _sent(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENT)
        )


async def throughput(url: str, count: int, rounds: int) -> dict:
    engine, sessions, offer_id = await _store(url)
    results: dict[str, list[float]] = {"naive": [], "reply": [], "remind": []}
    try:
        for r in range(rounds):
            for name in results:
                async with sessions() as session, session.begin():
                    await session.execute(OutboxMessage.__table__.delete())
                kind = "bench-remind" if name == "remind" else REPLY
                await _fill(sessions, count, kind, offer_id, f"{name}{r}")
                if name == "naive":
                    seconds = await _naive(sessions, count)
                else:
                    messenger = NoOpMessenger()
                    dispatcher = Dispatcher(
                        sessions,
                        [messenger],
                        engine=engine,
                        composers=_composers(),
                        limiters={"telegram": None},
                    )
                    started = time.perf_counter()
                    await dispatcher.drain()
                    seconds = time.perf_counter() - started
                    if messenger.sent != count or dispatcher.stats.sent != count:
                        raise SystemExit(
                            f"{name}: sent {messenger.sent} of {count}: {dispatcher.stats}"
                        )
                if await _sent(sessions) != count:
                    raise SystemExit(f"{name}: not every row is marked sent")
                results[name].append(count / seconds)
    finally:
        await engine.dispose()
    return {name: {"per_s": statistics.median(v), "rounds": v} for name, v in results.items()}


async def rate_limited(url: str, count: int) -> dict:
    engine, sessions, offer_id = await _store(url)
    try:
        await _fill(sessions, count, "bench-remind", offer_id, "limit")
        messenger = NoOpMessenger()
        dispatcher = Dispatcher(
            sessions,
            [messenger],
            engine=engine,
            composers=_composers(),
            limiters={"telegram": RateLimiter(overall_per_second=TELEGRAM_RATE)},
        )
        scheduler = build_scheduler(sessions, dispatcher=dispatcher)
        started = time.perf_counter()
        scheduler.start()
        try:
            # Polls the store: the dispatcher runs in the scheduler and signals nothing.
            while await _sent(sessions) < count:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            seconds = time.perf_counter() - started
        finally:
            scheduler.shutdown(wait=False)
        if dispatcher.stats.sent != count or messenger.sent != count:
            raise SystemExit(f"rate-limited run: {dispatcher.stats}")
    finally:
        await engine.dispose()
    allowed = count / TELEGRAM_RATE
    return {
        "messages": count,
        "seconds": seconds,
        "allowed_seconds": allowed,
        "ratio": seconds / allowed,
        "deferred": dispatcher.stats.deferred,
    }


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("outbox dispatcher (benchmarks/dispatcher.py)")
    g.add_argument(
        "--dispatch-messages", type=int, default=None, help="rows per throughput round (5000)"
    )
    g.add_argument("--dispatch-rounds", type=int, default=3, help="throughput rounds (3)")
    g.add_argument(
        "--reminders", type=int, default=None, help="reminders through the rate limiter (3000)"
    )
    g.add_argument(
        "--dispatch-postgres",
        action="store_true",
        help="also measure throughput on a throwaway PostgreSQL server",
    )
    g.add_argument(
        "--dispatch-json", type=Path, default=None, help="figures as JSON (<dir>/dispatcher.json)"
    )


def finish_args(args) -> None:
    finish_common(args)
    args.dispatch_messages = args.dispatch_messages or (1_000 if args.quick else 5_000)
    args.reminders = args.reminders or (300 if args.quick else 3_000)
    args.dispatch_json = args.dispatch_json or args.dir / "dispatcher.json"


def run(args) -> int:
    p = lambda *a: print(*a, flush=True)  # noqa: E731
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="nahbar-dispatch-") as tmp:
        urls = {"sqlite": f"sqlite+aiosqlite:///{Path(tmp) / 'outbox.sqlite3'}"}
        server = None
        if args.dispatch_postgres:
            from tests.postgres import start_postgres

            # A stopped benchmark must not leave its server running: SIGTERM runs `finally`.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
            server = start_postgres()
            if server is None:
                p("PostgreSQL is not installed: SQLite only")
            else:
                urls["postgresql"] = server.url
        try:
            for name, url in urls.items():
                p(
                    f"throughput on {name}: {args.dispatch_messages:,} rows x "
                    f"{args.dispatch_rounds} rounds …"
                )
                out[f"throughput_{name}"] = asyncio.run(
                    throughput(url, args.dispatch_messages, args.dispatch_rounds)
                )
            p(
                f"rate limiter: {args.reminders:,} reminders at {TELEGRAM_RATE}/s "
                f"(about {args.reminders / TELEGRAM_RATE:.0f} s) …"
            )
            out["rate_limited"] = asyncio.run(rate_limited(urls["sqlite"], args.reminders))
        finally:
            if server is not None:
                server.stop()
    ok = True
    p(
        f"\n{'store':<11} {'naive settle loop/s':>20} {'dispatch reply/s':>17} "
        f"{'dispatch remind/s':>18} {'reply/naive':>12}"
    )
    for name in urls:
        t = out[f"throughput_{name}"]
        p(
            f"{name:<11} {t['naive']['per_s']:>20,.0f} {t['reply']['per_s']:>17,.0f} "
            f"{t['remind']['per_s']:>18,.0f} {t['reply']['per_s'] / t['naive']['per_s']:>11.1f}x"
        )
    sqlite_rate = out["throughput_sqlite"]["reply"]["per_s"]
    passed = sqlite_rate >= TARGET_RATE
    ok &= passed
    p(
        f"{'PASS' if passed else 'FAIL'} dispatcher throughput on SQLite: {sqlite_rate:,.0f} "
        f"messages/s (target ≥ {TARGET_RATE:,}; median of {args.dispatch_rounds})"
    )
    r = out["rate_limited"]
    passed = abs(r["ratio"] - 1) <= TARGET_LIMIT_ERROR
    ok &= passed or args.quick
    verdict = "INFO" if args.quick else ("PASS" if passed else "FAIL")
    p(
        f"{verdict} rate limiter: {r['messages']:,} reminders in {r['seconds']:.1f} s, "
        f"the limit allows {r['allowed_seconds']:.1f} s ({r['ratio']:.1%}; target within ±5 %)"
    )
    args.dispatch_json.parent.mkdir(parents=True, exist_ok=True)
    args.dispatch_json.write_text(json.dumps(out, indent=2) + "\n")
    p(f"\nFigures written to {args.dispatch_json}")
    return 0 if ok else 1


def main(argv=None) -> int:
    return run_standalone(sys.modules[__name__], argv)


if __name__ == "__main__":
    raise SystemExit(main())
