"""`nahbar outbox`: what is queued, sent, parked and why; `retry` releases parked messages;
`dispatch` runs a dispatcher process of its own (several may run side by side on PostgreSQL).

Operator output: English, and without chat ids or message texts (personal data)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import timedelta

from sqlalchemy import func, select

from models import OutboxMessage, OutboxStatus, utcnow
from models.db import create_engine, session_factory, upgrade
from models.outbox import counts, parked, release_parked
from models.schedule import BERLIN

from .settings import Settings

log = logging.getLogger(__name__)


def add_parser(commands) -> None:
    outbox = commands.add_parser(
        "outbox", help="show queued, sent and parked messages (reminders, digests…)"
    )
    outbox.add_argument("--limit", type=int, default=20, help="parked messages to list (20)")
    actions = outbox.add_subparsers(dest="outbox_command")
    retry = actions.add_parser("retry", help="send parked messages again")
    retry.add_argument(
        "ids", nargs="*", type=int, help="message ids (default: every parked message)"
    )
    dispatch = actions.add_parser("dispatch", help="run an outbox dispatcher until SIGTERM")
    dispatch.add_argument(
        "--every", type=float, help="seconds between passes (NAHBAR_OUTBOX_EVERY_SECONDS)"
    )
    dispatch.add_argument(
        "--lease", type=float, help="claim lease in seconds (NAHBAR_OUTBOX_LEASE_SECONDS)"
    )
    dispatch.add_argument("--batch", type=int, help="rows per claim (NAHBAR_OUTBOX_BATCH)")
    dispatch.add_argument(
        "--parallel", type=int, help="chats sent to at once (NAHBAR_OUTBOX_PARALLEL)"
    )
    actions.add_parser(
        "plan",
        help="the coming week's weekly posts and alerts at the sending "
        "rate: when each goes out, and whether it fits",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.outbox_command == "dispatch":
        return asyncio.run(_dispatch(args, settings))
    if args.outbox_command == "plan":
        return asyncio.run(_plan(settings))
    return asyncio.run(
        _retry(args, settings) if args.outbox_command == "retry" else _show(args, settings)
    )


async def _store(settings: Settings):
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    return engine, session_factory(engine)


def _when(moment) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


async def _show(args, settings: Settings) -> int:
    engine, sessions = await _store(settings)
    try:
        now = utcnow()
        async with sessions() as session:
            total = await counts(session, now)
            by_kind = (
                await session.execute(
                    select(
                        OutboxMessage.kind,
                        OutboxMessage.status,
                        func.count(),
                        func.min(OutboxMessage.due_at),
                    )
                    .group_by(OutboxMessage.kind, OutboxMessage.status)
                    .order_by(OutboxMessage.kind, OutboxMessage.status)
                )
            ).all()
            retrying = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.status == OutboxStatus.QUEUED,
                        OutboxMessage.reason.is_not(None),
                    )
                    .order_by(OutboxMessage.due_at)
                    .limit(args.limit)
                )
            ).all()
            stuck = await parked(session, args.limit)
    finally:
        await engine.dispose()
    print(
        "outbox: "
        + ", ".join(f"{total[s.value]} {s.value}" for s in OutboxStatus)
        + f"; {total['due']} queued and due now"
    )
    if by_kind:
        print(f"\n{'kind':<16} {'status':<8} {'count':>7}  earliest due (Berlin)")
        for kind, status, count, due in by_kind:
            print(f"{kind:<16} {OutboxStatus(status).value:<8} {count:>7}  {_when(due)}")
    for title, rows in (
        ("retrying after an error", retrying),
        ("parked (nahbar outbox retry [ID…])", stuck),
    ):
        if rows:
            print(f"\n{title}:")
            print(
                f"{'id':>8} {'kind':<12} {'platform':<9} {'tries':>5}  {'last change':<19}  reason"
            )
            for r in rows:
                print(
                    f"{r.id:>8} {r.kind:<12} {r.platform:<9} {r.attempts:>5}  "
                    f"{_when(r.updated_at):<19}  {r.reason or '-'}"
                )
    return 0


async def _plan(settings: Settings) -> int:
    """The week ahead for bulk messages: exit 0 when everything fits, 1 when something does
    not (a warning on stderr says what to change)."""
    from models.broadcast import week

    rate = settings.telegram_messages_per_second * settings.bulk_share
    engine, sessions = await _store(settings)
    try:
        now = utcnow()
        async with sessions() as session:
            slots = await week(session, now, rate, settings.alerts_at)
    finally:
        await engine.dispose()
    print(
        f"weekly posts and alerts for the next 7 days at {rate:g} messages/s "
        f"({settings.bulk_share:.0%} of {settings.telegram_messages_per_second:g}/s; the rest "
        "stays free for answers, reminders and change notices, which always go first)"
    )
    if not slots:
        print("nothing planned: nobody subscribes to weekly posts or alerts")
        return 0
    print(
        f"\n{'starts (Berlin)':<17} {'what':<12} {'messages':>9}  {'sending':<23}  "
        f"{'must be done by':<16}  fits"
    )
    for slot in slots:
        what = "weekly posts" if slot.kind == "digest" else "alerts (max)"
        sending = (
            f"{_short(slot.sending_from)} – {_short(slot.done_by)[-5:]}"
            if slot.done_by.date() == slot.sending_from.date()
            else f"{_short(slot.sending_from)} – {_short(slot.done_by)}"
        )
        print(
            f"{_short(slot.starts):<17} {what:<12} {slot.messages:>9,}  {sending:<23}  "
            f"{_short(slot.too_late_at):<16}  {'yes' if slot.fits else 'NO'}"
        )
    late = [s for s in slots if not s.fits]
    if late:
        print(
            f"\nwarning: {len(late)} of {len(slots)} sends cannot finish in time at "
            f"{rate:g} messages/s; what is too late is dropped. Raise NAHBAR_BULK_SHARE (up to "
            "1), or ask people to choose other hours for their weekly post.",
            file=sys.stderr,
        )
        return 1
    return 0


def _short(moment) -> str:
    return moment.astimezone(BERLIN).strftime("%a %d.%m. %H:%M")


async def _retry(args, settings: Settings) -> int:
    engine, sessions = await _store(settings)
    try:
        async with sessions() as session, session.begin():
            released = await release_parked(session, utcnow(), args.ids or None)
    finally:
        await engine.dispose()
    print(f"{released} parked message(s) queued again")
    return 0 if released or not args.ids else 1


async def _dispatch(args, settings: Settings) -> int:
    import handlers.core  # noqa: F401  (registers the features' composers)
    from scheduler import Dispatcher
    from scheduler.ratelimit import DatabaseRateLimiter

    from .app import outbox_composers

    engine, sessions = await _store(settings)
    messengers, closers = [], []
    try:
        if settings.has_telegram:
            from telegram.ext import ExtBot

            from .telegram.messenger import SharedRateLimiter, TelegramMessenger

            # The bot's one budget, shared with every webhook worker through the database.
            limiter = DatabaseRateLimiter(
                engine,
                "telegram",
                overall_per_second=settings.telegram_messages_per_second,
                bulk_share=settings.bulk_share,
            )
            bot = ExtBot(
                settings.telegram_bot_token.get_secret_value(),
                base_url=settings.telegram_api_base_url,
                base_file_url=settings.telegram_file_url,
                rate_limiter=SharedRateLimiter(limiter),
            )
            await bot.initialize()
            closers.append(bot.shutdown)
            messengers.append(TelegramMessenger(bot))
        if not messengers:
            print(
                "nahbar: no platform configured to send on (set TELEGRAM_BOT_TOKEN)",
                file=sys.stderr,
            )
            return 2
        dispatcher = Dispatcher(
            sessions,
            messengers,
            engine=engine,
            composers=outbox_composers(),
            batch=args.batch or settings.outbox_batch,
            parallel=args.parallel or settings.outbox_parallel,
            lease=timedelta(seconds=args.lease or settings.outbox_lease_seconds),
            max_attempts=settings.outbox_max_attempts,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        every = args.every or settings.outbox_every_seconds
        log.info(
            "dispatcher %s sending on %s",
            dispatcher.name,
            ", ".join(m.platform for m in messengers),
        )
        work = asyncio.create_task(dispatcher.run_forever(every))
        await stop.wait()
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        log.info("dispatcher %s stopped: %s", dispatcher.name, dispatcher.stats)
        return 0
    finally:
        for close in closers:
            await close()
        await engine.dispose()
